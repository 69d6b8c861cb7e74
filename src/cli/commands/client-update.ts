import { clientWireForm, type ClientType } from '../../domain/client.js';
import { splitRedirects } from '../../domain/client-rules.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { listOption, printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

/** The grants the flags switch on and off (`--x` / `--no-x`). */
const GRANT_FLAGS: ReadonlyArray<readonly [string, ClientType]> = [
  ['password-grant', 'password_client'],
  ['personal-access', 'personal_access_client'],
  ['client-credentials', 'client_credentials_grant'],
  ['device-code', 'device_code_grant'],
];

export const clientUpdateCommand: Command = {
  name: 'client:update',
  summary: "Change an Auth Client's name, redirect URLs or grants (removing a grant ends its tokens)",
  usage: `keygate client:update --id ID [--name N] [--redirect URL[,URL…] | --no-authorization-code]
       [--password-grant | --no-password-grant] [--personal-access | --no-personal-access]
       [--client-credentials | --no-client-credentials] [--device-code | --no-device-code]
       [--require-pkce | --no-require-pkce] [--allowed-origin ORIGIN… | --no-allowed-origin] [--scope S…] [--json]

  --id ID                   the client's id, or its name (any case)
  --name N                  a new name
  --redirect URL,…          replace the redirect URLs (enables the Authorization Code Grant)
  --no-authorization-code   remove the Authorization Code Grant and its redirect URLs
  --password-grant, --no-password-grant            enable or remove the Password Grant
  --personal-access, --no-personal-access          enable or remove Personal Access Tokens
  --client-credentials, --no-client-credentials    enable or remove the Client Credentials Grant
  --device-code, --no-device-code                  enable or remove the Device Authorization Grant
  --require-pkce, --no-require-pkce                require PKCE from this confidential client, or not
  --allowed-origin O        replace the browser origins CORS allows (repeat for more)
  --no-allowed-origin       remove every allowed origin
  --scope S                 replace the allowed scopes (repeat it, or separate with commas);
                            custom scopes must exist (scope:create)
  --json                    print the client, with "tokens_revoked" and "consents_forgotten"

Settings not named stay as they are. Removing a grant revokes, for good, the tokens issued through
it (adding it back revives nothing); changing the redirect URLs forgets the consents users gave.
Running servers refuse those tokens on their next request.`,
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    redirect: { type: 'string' },
    'no-authorization-code': { type: 'boolean' },
    'require-pkce': { type: 'boolean' },
    'no-require-pkce': { type: 'boolean' },
    'allowed-origin': { type: 'string', multiple: true },
    'no-allowed-origin': { type: 'boolean' },
    ...Object.fromEntries(GRANT_FLAGS.flatMap(([flag]) => [[flag, { type: 'boolean' }], [`no-${flag}`, { type: 'boolean' }]])),
    scope: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const ref = stringOption(values, 'id');
    if (ref === undefined || ref.trim() === '') throw new UsageError('--id is required (see keygate client:update --help)');
    const name = stringOption(values, 'name');
    const redirect = stringOption(values, 'redirect');
    const dropCode = values['no-authorization-code'] === true;
    if (redirect !== undefined && dropCode) throw new UsageError('use either --redirect or --no-authorization-code, not both');
    if (redirect !== undefined && (splitRedirects(redirect) ?? []).length === 0) throw new UsageError('--redirect needs at least one URL (use --no-authorization-code to remove them all)');
    for (const [flag] of GRANT_FLAGS) {
      if (values[flag] === true && values[`no-${flag}`] === true) throw new UsageError(`use either --${flag} or --no-${flag}, not both`);
    }
    if (values['require-pkce'] === true && values['no-require-pkce'] === true) throw new UsageError('use either --require-pkce or --no-require-pkce, not both');
    if (values['allowed-origin'] !== undefined && values['no-allowed-origin'] === true) throw new UsageError('use either --allowed-origin or --no-allowed-origin, not both');
    const scopes = listOption(values, 'scope').flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
    const settings = {
      ...(values['require-pkce'] === true ? { require_pkce: true } : values['no-require-pkce'] === true ? { require_pkce: false } : {}),
      ...(values['allowed-origin'] !== undefined ? { allowed_origins: values['allowed-origin'] } : values['no-allowed-origin'] === true ? { allowed_origins: [] } : {}),
    };
    const changesGrants = Object.keys(settings).length > 0 || scopes.length > 0 || dropCode || redirect !== undefined || GRANT_FLAGS.some(([flag]) => values[flag] === true || values[`no-${flag}`] === true);
    if (name === undefined && !changesGrants) throw new UsageError('nothing to change: give --name, --redirect, --scope, a grant flag or a setting (see keygate client:update --help)');

    const result = await withContext(io, async (ctx) => {
      const current = await ctx.services.clients.resolve(CLI_ACTOR, ref);
      const types = new Set<ClientType>(current.types);
      if (redirect !== undefined) types.add('authorization_code_grant');
      if (dropCode) types.delete('authorization_code_grant');
      for (const [flag, type] of GRANT_FLAGS) {
        if (values[flag] === true) types.add(type);
        if (values[`no-${flag}`] === true) types.delete(type);
      }
      // The same operation as PUT /api/1.0/oauth/clients/{id}: name, types and redirect replaced, the rest kept.
      return ctx.services.clients.update(CLI_ACTOR, current.id, {
        name: name ?? current.name,
        types: [...types],
        redirect: redirect ?? (types.has('authorization_code_grant') ? current.redirect : []),
        ...settings,
        ...(scopes.length > 0 ? { scopes } : {}),
      });
    });
    if (values.json) {
      printJson(io, { ...clientWireForm(result.client), tokens_revoked: result.tokensRevoked, consents_forgotten: result.consentsForgotten });
      return;
    }
    const c = result.client;
    io.stdout.write(`Updated Auth Client "${c.name}" (${c.id})\n  grants:   ${c.types.join(', ')}\n  scopes:   ${c.scopes.join(', ')}\n  redirect: ${c.redirect.length ? c.redirect.join(', ') : '—'}\n`);
    if (result.tokensRevoked > 0) io.stdout.write(`${result.tokensRevoked} active token(s) of the removed grant(s) stopped working.\n`);
    if (result.consentsForgotten > 0) io.stdout.write(`${result.consentsForgotten} user consent(s) were forgotten: users will be asked again.\n`);
  },
};
