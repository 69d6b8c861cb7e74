/**
 * The one policy (src/services/policy.ts) as a table: actor × action × object × change → decision.
 * The same cases run end to end through each surface in surfaces-agree.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '../../src/domain/client.js';
import { CLI_ACTOR, userActor, type Actor } from '../../src/services/actor.js';
import { decide, isPrivilegedClient, POLICY_MESSAGES, type PolicyRequest } from '../../src/services/policy.js';

const client = (overrides: Partial<Client> = {}): Client => ({
  id: 'c1',
  name: 'App',
  types: ['authorization_code_grant'],
  redirect: ['https://app.example/cb'],
  confidential: true,
  trusted: false,
  introspectAll: false,
  permissions: [],
  scopes: ['api', 'api:read'],
  requirePkce: false,
  allowedOrigins: [],
  createdBy: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...overrides,
});

const editor = userActor({ id: 'u-eve', username: 'eve', administrator: false, permissions: ['edit-auth_clients'] }, 'session');
const admin = userActor({ id: 'u-admin', username: 'admin', administrator: true, permissions: [] }, 'session');
const viewer = userActor({ id: 'u-vic', username: 'vic', administrator: false, permissions: ['view-auth_clients'] }, 'personal_access_token');
const delegated = userActor({ id: 'u-eve', username: 'eve', administrator: false, permissions: ['edit-auth_clients'] }, 'access_token');
const delegatedAdmin = userActor({ id: 'u-admin', username: 'admin', administrator: true, permissions: [] }, 'access_token');
const machine: Actor = { kind: 'client', clientId: 'c9', permissions: ['edit-auth_clients'] };

const trusted = client({ trusted: true });
const introspector = client({ introspectAll: true, types: ['client_credentials_grant'], redirect: [] });
const permissioned = client({ permissions: ['view-auth_clients'], types: ['client_credentials_grant'], redirect: [] });
const plain = client();

const CASES: Array<[string, Actor, PolicyRequest, boolean]> = [
  ['an editor may rename a trusted client', editor, { action: 'client.update', client: trusted, change: { name: true } }, true],
  ['an editor may not change the redirect URLs of a trusted client', editor, { action: 'client.update', client: trusted, change: { redirect: true } }, false],
  ['an editor may not change the grant types of a client that may introspect all', editor, { action: 'client.update', client: introspector, change: { types: true } }, false],
  ['an editor may not change the scopes of a client holding permissions', editor, { action: 'client.update', client: permissioned, change: { scopes: true } }, false],
  ['an editor may not regenerate the secret of a client holding permissions', editor, { action: 'client.secret', client: permissioned }, false],
  ['an editor may not regenerate the secret of a trusted client', editor, { action: 'client.secret', client: trusted }, false],
  ['an editor may change the redirect URLs of a plain client', editor, { action: 'client.update', client: plain, change: { redirect: true, types: true } }, true],
  ['an editor may regenerate the secret of a plain client', editor, { action: 'client.secret', client: plain }, true],
  ['an editor may not make a client trusted', editor, { action: 'client.update', client: plain, change: { trusted: true } }, false],
  ['an editor may not give a client a custom scope', editor, { action: 'client.update', client: plain, change: { scopes: true, customScopes: true } }, false],
  ['an administrator may change anything of a trusted client', admin, { action: 'client.update', client: trusted, change: { redirect: true, types: true, trusted: true } }, true],
  ['an administrator may regenerate a permissioned client’s secret', admin, { action: 'client.secret', client: permissioned }, true],
  ['the CLI may change anything', CLI_ACTOR, { action: 'client.update', client: trusted, change: { redirect: true, permissions: true } }, true],
  ['a viewer may not edit', viewer, { action: 'client.update' }, false],
  ['a viewer may view', viewer, { action: 'client.view' }, true],
  ['a client holding edit may edit a plain client', machine, { action: 'client.update', client: plain, change: { redirect: true } }, true],
  ['a client holding edit may not edit a trusted client’s redirects', machine, { action: 'client.update', client: trusted, change: { redirect: true } }, false],
  ['a user manages their own PATs with a session', editor, { action: 'pat.manage', ownerId: 'u-eve' }, true],
  ['a user manages their own PATs with a PAT', viewer, { action: 'pat.manage', ownerId: 'u-vic' }, true],
  ['a delegated token may not manage PATs', delegated, { action: 'pat.manage', ownerId: 'u-eve' }, false],
  ['not even an administrator’s delegated token', delegatedAdmin, { action: 'pat.manage', ownerId: 'u-admin' }, false],
  ['nor authorizations', delegatedAdmin, { action: 'authorization.manage', ownerId: 'u-eve' }, false],
  ['a user may not manage another’s PATs', editor, { action: 'pat.manage', ownerId: 'u-vic' }, false],
  ['an administrator may manage another’s PATs', admin, { action: 'pat.manage', ownerId: 'u-eve' }, true],
  ['a client may not manage PATs', machine, { action: 'pat.manage', ownerId: 'u-eve' }, false],
  ['a delegated administrator token may manage users', delegatedAdmin, { action: 'user.manage' }, true],
  ['an editor may not manage users', editor, { action: 'user.manage' }, false],
  ['a client may not list scopes', machine, { action: 'scope.view' }, false],
];

describe('policy', () => {
  for (const [name, actor, request, allowed] of CASES) {
    it(name, () => assert.equal(decide(actor, request).allowed, allowed));
  }

  it('says why, in words a person can act on', () => {
    assert.deepEqual(decide(editor, { action: 'client.update', client: trusted, change: { redirect: true } }), { allowed: false, reason: POLICY_MESSAGES.privilegedClient });
    assert.deepEqual(decide(delegated, { action: 'pat.manage', ownerId: 'u-eve' }), { allowed: false, reason: POLICY_MESSAGES.delegatedToken });
  });

  it('calls a client privileged when it is trusted, may introspect all, or holds permissions', () => {
    assert.equal(isPrivilegedClient(plain), false);
    for (const c of [trusted, introspector, permissioned]) assert.equal(isPrivilegedClient(c), true);
  });
});
