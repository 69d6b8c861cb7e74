/**
 * The quickstart on a client's page: for each grant the client holds, shell lines that obtain a
 * token from this server, to copy and run as they are (only the placeholders — the secret, a
 * user's password, the code — are filled in by hand). Built from the RFC 8414 metadata, so the
 * endpoints shown are the ones served. The browser test runs them with curl.
 */
import type { ClientType } from '../../domain/client.js';
import { html, type Html } from './html.js';
import { copyButton } from './components.js';

/** Placeholders a reader (or the test) replaces; each stands alone on its own `NAME='…'` line. */
export const QUICKSTART_PLACEHOLDERS = {
  secret: 'paste-the-client-secret',
  username: 'your-username',
  password: 'your-password',
  code: 'paste-the-code',
  refreshToken: 'paste-the-refresh-token',
  deviceCode: 'paste-the-device-code',
  personalAccessToken: 'paste-a-personal-access-token',
} as const;

export interface QuickstartEndpoints {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly revocation_endpoint: string;
  readonly introspection_endpoint: string;
  readonly device_authorization_endpoint?: string;
}

export interface QuickstartInput {
  readonly metadata: QuickstartEndpoints;
  readonly client: { readonly id: string; readonly types: readonly ClientType[]; readonly redirect: readonly string[]; readonly confidential: boolean };
  /** The signed-in user (the personal access token example acts for them). */
  readonly userId: string;
}

export interface QuickstartSection {
  readonly id: string;
  readonly title: string;
  readonly intro: string;
  readonly code: string;
}

/** A value as one shell word (single quotes; a quote inside is closed, escaped and reopened). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The endpoint's path after the issuer, so every line reads "$KG/…". */
function viaKg(url: string, issuer: string): string {
  return url.startsWith(issuer) ? `$KG${url.slice(issuer.length)}` : url;
}

export function quickstartSections(input: QuickstartInput): QuickstartSection[] {
  const { client, metadata } = input;
  const token = viaKg(metadata.token_endpoint, metadata.issuer);
  const head = [
    `KG=${shellQuote(metadata.issuer)}`,
    `CLIENT_ID=${shellQuote(client.id)}`,
    ...(client.confidential ? [`CLIENT_SECRET=${shellQuote(QUICKSTART_PLACEHOLDERS.secret)}   # shown once, when the client was created or its secret regenerated`] : []),
  ];
  // RFC 6749 §2.3.1: HTTP Basic for a confidential client; a public client only names itself.
  const auth = client.confidential ? `-u "$CLIENT_ID:$CLIENT_SECRET"` : `-d "client_id=$CLIENT_ID"`;
  const lines = (...body: string[]) => [...head, ...body].join('\n');
  const sections: QuickstartSection[] = [];
  const has = (t: ClientType) => client.types.includes(t);

  if (has('client_credentials_grant')) {
    sections.push({
      id: 'qs-client-credentials',
      title: 'Client credentials',
      intro: 'A token that acts as the client itself, for a service with no user. No refresh token: ask again when it expires.',
      code: lines(`curl -s ${auth} -d grant_type=client_credentials -d scope=api "${token}"`),
    });
  }
  if (has('password_client')) {
    sections.push({
      id: 'qs-password',
      title: 'Password (legacy desktop applications only)',
      intro: 'The application sends the user’s own username and password. Returns an access token and a refresh token.',
      code: lines(
        `USERNAME=${shellQuote(QUICKSTART_PLACEHOLDERS.username)}`,
        `PASSWORD=${shellQuote(QUICKSTART_PLACEHOLDERS.password)}`,
        `curl -s ${auth} -d grant_type=password --data-urlencode "username=$USERNAME" \\`,
        `  --data-urlencode "password=$PASSWORD" -d scope=api "${token}"`,
      ),
    });
  }
  const redirect = client.redirect[0];
  if (has('authorization_code_grant') && redirect !== undefined) {
    const authorize = viaKg(metadata.authorization_endpoint, metadata.issuer);
    sections.push({
      id: 'qs-authorization-code',
      title: 'Authorization code with PKCE',
      intro: `The user logs in here and authorizes the application, then comes back to ${redirect} with a code that the application exchanges for tokens.`,
      code: lines(
        '# 1. A PKCE code verifier and its S256 challenge (RFC 7636)',
        `VERIFIER=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\\n')`,
        `CHALLENGE=$(printf %s "$VERIFIER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')`,
        'STATE=$(openssl rand -hex 16)',
        '# 2. Open this address in a browser, log in and click Authorize',
        `echo "${authorize}?response_type=code&client_id=$CLIENT_ID&redirect_uri=${encodeURIComponent(redirect)}&scope=api&state=$STATE&code_challenge=$CHALLENGE&code_challenge_method=S256"`,
        '# 3. The browser goes to the redirect URL with ?code=…&state=…&iss=…: check that state is $STATE,',
        '#    then exchange the code (valid for 60 seconds, once) for an access token and a refresh token',
        `CODE=${shellQuote(QUICKSTART_PLACEHOLDERS.code)}`,
        `curl -s ${auth} -d grant_type=authorization_code --data-urlencode "code=$CODE" \\`,
        `  --data-urlencode ${shellQuote(`redirect_uri=${redirect}`)} --data-urlencode "code_verifier=$VERIFIER" "${token}"`,
      ),
    });
  }
  if (has('device_code_grant') && metadata.device_authorization_endpoint) {
    sections.push({
      id: 'qs-device-code',
      title: 'Device authorization (CLIs, TVs, desktop apps)',
      intro: 'The application shows a short code; the user opens the address on any browser, logs in, enters the code and clicks Authorize. The application polls until then. Returns an access token and a refresh token.',
      code: lines(
        '# 1. Ask for a device code and a user code',
        `curl -s ${auth} -d scope=api "${viaKg(metadata.device_authorization_endpoint, metadata.issuer)}"`,
        '# 2. Show the user "user_code" and "verification_uri"; keep "device_code"',
        `DEVICE_CODE=${shellQuote(QUICKSTART_PLACEHOLDERS.deviceCode)}`,
        '# 3. Every "interval" seconds (5; 5 more after each slow_down) until it is no longer authorization_pending',
        `curl -s ${auth} -d grant_type=urn:ietf:params:oauth:grant-type:device_code \\`,
        `  --data-urlencode "device_code=$DEVICE_CODE" "${token}"`,
      ),
    });
  }
  if (has('password_client') || has('device_code_grant') || (has('authorization_code_grant') && redirect !== undefined)) {
    sections.push({
      id: 'qs-refresh',
      title: 'Refresh',
      intro: 'Trade the refresh token for a new pair. The old refresh token is retired: presenting it again revokes the whole family.',
      code: lines(
        `REFRESH_TOKEN=${shellQuote(QUICKSTART_PLACEHOLDERS.refreshToken)}`,
        `curl -s ${auth} -d grant_type=refresh_token --data-urlencode "refresh_token=$REFRESH_TOKEN" "${token}"`,
      ),
    });
  }
  if (has('personal_access_client')) {
    sections.push({
      id: 'qs-personal-access',
      title: 'Personal access token through the API',
      intro: 'Personal access tokens are made on My API tokens, or through the API with a personal access token you already have (a token an application obtained cannot make one).',
      code: [
        `KG=${shellQuote(metadata.issuer)}`,
        `TOKEN=${shellQuote(QUICKSTART_PLACEHOLDERS.personalAccessToken)}`,
        `USER_ID=${shellQuote(input.userId)}`,
        `curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
        `  -d ${shellQuote(JSON.stringify({ name: 'CI deploy', client_id: client.id, scopes: ['api:read'] }))} "$KG/api/1.0/users/$USER_ID/tokens"`,
      ].join('\n'),
    });
  }
  return sections;
}

/** The sections as the page shows them: a heading, a sentence, the lines and a Copy button. */
export function quickstartHtml(sections: readonly QuickstartSection[]): Html {
  return html`${sections.map(
    (s) => html`<section class="quickstart" aria-labelledby="${s.id}-title">
  <div class="snippet-head"><h3 id="${s.id}-title">${s.title}</h3>${copyButton(s.id)}</div>
  <p class="muted small">${s.intro}</p>
  <pre class="snippet" tabindex="0"><code id="${s.id}">${s.code}</code></pre>
</section>`,
  )}`;
}
