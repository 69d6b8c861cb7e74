import { MS_PER_DAY, patWireForm } from '../../domain/pat.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { intOption, listOption, printJson, SHOWN_ONCE, stringOption, UsageError, withContext, type Command } from '../command.js';

export const patCreateCommand: Command = {
  name: 'pat:create',
  summary: 'Create a personal access token for a user (prints it once)',
  usage: `keygate pat:create --username U --name N [--scope S…] [--expires-in DAYS] [--client C] [--json]

  --username U        the user the token acts for (username or id)
  --name N            what the token is for, e.g. "CI deploy"
  --scope S           api (everything the user may do; the default), api:read (GET only), or a custom
                      scope the PAT client is allowed; repeat for several
  --expires-in DAYS   the token expires after DAYS days (default: the server's KEYGATE_PAT_TTL, 0 = never;
                      KEYGATE_PAT_MAX_TTL caps it)
  --client C          the client the token belongs to (id or name); needed only when several clients
                      have Personal Access Tokens enabled
  --json              print {"access_token","token":{…}} as the API does`,
  options: {
    username: { type: 'string' },
    name: { type: 'string' },
    scope: { type: 'string', multiple: true },
    'expires-in': { type: 'string' },
    client: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const username = stringOption(values, 'username');
    if (username === undefined || username.trim() === '') throw new UsageError('--username is required (see keygate pat:create --help)');
    const name = stringOption(values, 'name');
    if (name === undefined) throw new UsageError('--name is required (see keygate pat:create --help)');
    const days = values['expires-in'] === undefined ? undefined : intOption(values, 'expires-in', 0, 1, 36_500);
    const clientRef = stringOption(values, 'client');
    const { token, pat, owner } = await withContext(io, async (ctx) => {
      const user = await ctx.services.users.resolve(CLI_ACTOR, username);
      const clientId = clientRef === undefined ? undefined : (await ctx.services.clients.resolve(CLI_ACTOR, clientRef)).id;
      const created = await ctx.services.pats.create(CLI_ACTOR, user.id, {
        name,
        clientId,
        scopes: listOption(values, 'scope'),
        ...(days !== undefined ? { expiresAt: ctx.now() + days * MS_PER_DAY } : {}),
      });
      return { ...created, owner: user.username };
    });
    const view = patWireForm(pat);
    if (values.json) {
      printJson(io, { access_token: token, token: view });
      return;
    }
    io.stdout.write(
      `Created personal access token "${pat.name}" for ${owner} (scopes ${pat.scopes.join(' ')}, expires ${view.expires_at ?? 'never'})\n  token: ${token}\n${SHOWN_ONCE}\n`,
    );
  },
};
