import { clientWireForm, type ClientType } from '../../domain/client.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

export const clientCreateCommand: Command = {
  name: 'client:create',
  summary: 'Create an Auth Client (prints its secret once)',
  usage: `keygate client:create --name N [--password-grant] [--personal-access] [--client-credentials] [--redirect URL[,URL…]] [--device-code] [--public]
       [--require-pkce] [--allowed-origin ORIGIN]… [--json]

  --name N              the client's name (unique, case-insensitive)
  --redirect URL,…      enable the Authorization Code Grant with these redirect URLs
  --password-grant      enable the Password Grant (legacy desktop applications only)
  --personal-access     enable Personal Access Tokens
  --client-credentials  enable the Client Credentials Grant
  --device-code         enable the Device Authorization Grant (RFC 8628: CLIs, TVs, desktop apps)
  --public              a public client (no secret; Authorization Code and Device grants only)
  --require-pkce        require PKCE from this confidential client too (recommended)
  --allowed-origin O    a browser origin CORS allows (repeat for more), such as https://app.example.com
  --json                print {"id","secret",...} as JSON`,
  options: {
    name: { type: 'string' },
    redirect: { type: 'string' },
    'password-grant': { type: 'boolean' },
    'personal-access': { type: 'boolean' },
    'client-credentials': { type: 'boolean' },
    'device-code': { type: 'boolean' },
    public: { type: 'boolean' },
    'require-pkce': { type: 'boolean' },
    'allowed-origin': { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const name = stringOption(values, 'name');
    if (name === undefined) throw new UsageError('--name is required (see keygate client:create --help)');
    const redirect = stringOption(values, 'redirect');
    const types: ClientType[] = [];
    if (redirect !== undefined) types.push('authorization_code_grant');
    if (values['password-grant'] === true) types.push('password_client');
    if (values['personal-access'] === true) types.push('personal_access_client');
    if (values['client-credentials'] === true) types.push('client_credentials_grant');
    if (values['device-code'] === true) types.push('device_code_grant');
    if (types.length === 0) throw new UsageError('choose at least one grant: --redirect, --password-grant, --personal-access, --client-credentials or --device-code');
    const request = {
      name,
      types,
      redirect: redirect ?? [],
      confidential: values.public !== true,
      ...(values['require-pkce'] === true ? { require_pkce: true } : {}),
      ...(values['allowed-origin'] !== undefined ? { allowed_origins: values['allowed-origin'] } : {}),
    };
    const { client, secret } = await withContext(io, (ctx) => ctx.services.clients.create(CLI_ACTOR, request));
    if (values.json) {
      printJson(io, clientWireForm(client, secret));
      return;
    }
    io.stdout.write(`Created Auth Client "${client.name}"\n  id:     ${client.id}\n`);
    if (secret) io.stdout.write(`  secret: ${secret}\nCopy this secret now. You won't be able to see it again.\n`);
  },
};
