/**
 * Interop, negative cases: oauth4webapi 3, unmodified, sees each refusal as the RFC error it
 * expects — wrong client secret, code replay, wrong PKCE verifier, a code sent by another client,
 * refresh-token reuse, access_denied from the consent page, plain PKCE refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { createUser, startServer, type TestServer } from '../helpers/app.js';
import { WebClient } from '../helpers/http.js';
import { storeKinds } from '../helpers/stores.js';
import { authorize, authorizePath, makeClient, me, redirectParams, type TestClient } from '../http/oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1/callback';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

function rfcError(code: string, status?: number) {
  return (err: unknown) => {
    assert.ok(err instanceof oauth.ResponseBodyError, String(err));
    assert.equal(err.error, code);
    if (status !== undefined) assert.equal(err.status, status);
    return true;
  };
}

for (const kind of storeKinds()) {
  describe(`oauth4webapi 3 negative cases [${kind}]`, () => {
    let server: TestServer;
    let as: oauth.AuthorizationServer;
    let app: TestClient;
    let other: TestClient;
    let web: WebClient;

    before(async () => {
      server = await startServer(kind);
      const issuer = new URL(server.baseUrl);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      app = await makeClient(server.ctx, { types: ['authorization_code_grant', 'password_client'], redirect: [REDIRECT] });
      other = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      const heidi = await createUser(server.ctx, { username: 'heidi' });
      web = new WebClient(server.baseUrl);
      await web.login('heidi', heidi.password);
    });
    after(async () => server?.close());

    async function codeFor(client: TestClient, challenge: string, state: string): Promise<URLSearchParams> {
      const res = await authorize(web, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, state, code_challenge: challenge, code_challenge_method: 'S256' });
      return oauth.validateAuthResponse(as, { client_id: client.id }, new URL(res.headers.get('location')!), state);
    }

    const redeem = (client: TestClient, params: URLSearchParams, verifier: string) =>
      oauth
        .authorizationCodeGrantRequest(as, { client_id: client.id }, oauth.ClientSecretBasic(client.secret!), params, REDIRECT, verifier, insecure)
        .then((r) => oauth.processAuthorizationCodeResponse(as, { client_id: client.id }, r));

    it('a wrong client secret is invalid_client (401)', async () => {
      const basic = await oauth.clientCredentialsGrantRequest(as, { client_id: app.id }, oauth.ClientSecretBasic('kg_cs_wrong'), {}, insecure);
      // With Basic, the 401 carries a Basic challenge, which oauth4webapi reports as such.
      await assert.rejects(oauth.processClientCredentialsResponse(as, { client_id: app.id }, basic), (err: unknown) => {
        assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err));
        assert.equal(err.status, 401);
        assert.equal(err.cause[0]?.scheme, 'basic');
        return true;
      });
      const post = await oauth.clientCredentialsGrantRequest(as, { client_id: app.id }, oauth.ClientSecretPost('kg_cs_wrong'), {}, insecure);
      await assert.rejects(oauth.processClientCredentialsResponse(as, { client_id: app.id }, post), rfcError('invalid_client', 401));
    });

    it('code replay, wrong verifier and a code sent by another client are invalid_grant', async () => {
      const verifier = oauth.generateRandomCodeVerifier();
      const challenge = await oauth.calculatePKCECodeChallenge(verifier);
      const params = await codeFor(app, challenge, 's1');
      const tokens = await redeem(app, params, verifier);
      assert.equal(await me(server.baseUrl, tokens.access_token), 200);
      await assert.rejects(redeem(app, params, verifier), rfcError('invalid_grant', 400));
      assert.equal(await me(server.baseUrl, tokens.access_token), 401, 'the replay revoked the first tokens');

      const wrong = await codeFor(app, challenge, 's2');
      await assert.rejects(redeem(app, wrong, oauth.generateRandomCodeVerifier()), rfcError('invalid_grant'));
      await assert.rejects(redeem(app, wrong, verifier), rfcError('invalid_grant'), 'a failed PKCE check burns the code');

      const crossing = await codeFor(app, challenge, 's3');
      await assert.rejects(redeem(other, crossing, verifier), rfcError('invalid_grant'));
    });

    it('refresh-token reuse is invalid_grant and ends the family', async () => {
      const verifier = oauth.generateRandomCodeVerifier();
      const params = await codeFor(app, await oauth.calculatePKCECodeChallenge(verifier), 's4');
      const first = await redeem(app, params, verifier);
      const refresh = (token: string) =>
        oauth
          .refreshTokenGrantRequest(as, { client_id: app.id }, oauth.ClientSecretPost(app.secret!), token, insecure)
          .then((r) => oauth.processRefreshTokenResponse(as, { client_id: app.id }, r));
      const second = await refresh(first.refresh_token!);
      await assert.rejects(refresh(first.refresh_token!), rfcError('invalid_grant'));
      assert.equal(await me(server.baseUrl, second.access_token), 401);
    });

    it('checks RFC 9207 iss: the metadata announces it, a response from another issuer or without one is refused', async () => {
      assert.equal(as.authorization_response_iss_parameter_supported, true);
      const res = await authorize(web, { response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, state: 'i' });
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('iss'), server.baseUrl);
      assert.ok(oauth.validateAuthResponse(as, { client_id: app.id }, location, 'i').get('code'));
      const forged = new URL(location);
      forged.searchParams.set('iss', 'https://evil.example');
      assert.throws(() => oauth.validateAuthResponse(as, { client_id: app.id }, forged, 'i'), (err: unknown) => err instanceof oauth.OperationProcessingError && err.code === oauth.INVALID_RESPONSE && /unexpected "iss"/.test(err.message), 'another issuer');
      const missing = new URL(location);
      missing.searchParams.delete('iss');
      assert.throws(() => oauth.validateAuthResponse(as, { client_id: app.id }, missing, 'i'), (err: unknown) => err instanceof oauth.OperationProcessingError && err.code === oauth.INVALID_RESPONSE && /"iss" \(issuer\) missing/.test(err.message), 'no issuer');
    });

    it('Deny comes back as access_denied; plain PKCE as invalid_request', async () => {
      // A client this user has not consented to yet, so the consent page shows.
      const fresh = await makeClient(server.ctx, { types: ['authorization_code_grant'], redirect: [REDIRECT] });
      const denied = await authorize(web, { response_type: 'code', client_id: fresh.id, redirect_uri: REDIRECT, state: 'd' }, 'deny');
      assert.throws(
        () => oauth.validateAuthResponse(as, { client_id: fresh.id }, new URL(denied.headers.get('location')!), 'd'),
        (err: unknown) => err instanceof oauth.AuthorizationResponseError && err.error === 'access_denied',
      );
      const plain = await web.get(authorizePath({ response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, state: 'p', code_challenge: oauth.generateRandomCodeVerifier(), code_challenge_method: 'plain' }));
      assert.equal(redirectParams(plain).get('error'), 'invalid_request');
      assert.throws(
        () => oauth.validateAuthResponse(as, { client_id: app.id }, new URL(plain.headers.get('location')!), 'p'),
        (err: unknown) => err instanceof oauth.AuthorizationResponseError && err.error === 'invalid_request',
      );
    });
  });
}
