import { CLI_ACTOR } from '../../services/actor.js';
import { NotFoundError } from '../../services/errors.js';
import { CommandError, printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

export const scopeDeleteCommand: Command = {
  name: 'scope:delete',
  summary: 'Delete a custom scope and strip it from every client, consent and token',
  usage: `keygate scope:delete --name N [--json]

  --name N   the scope
  --json     print {"name","clients","consents","tokens","tokens_revoked"} as JSON

The scope is removed for good, at once, also on running servers: tokens left with no scope are
revoked, and creating the name again revives nothing.`,
  options: { name: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const name = stringOption(values, 'name');
    if (name === undefined) throw new UsageError('--name is required (see keygate scope:delete --help)');
    const deleted = await withContext(io, (ctx) =>
      ctx.services.scopes.delete(CLI_ACTOR, name).catch((err: unknown) => {
        if (err instanceof NotFoundError) throw new CommandError(`no scope named "${name.slice(0, 64)}" (see keygate scope:list)`);
        throw err;
      }),
    );
    const result = { name: deleted.name, clients: deleted.clients, consents: deleted.consents, tokens: deleted.tokens, tokens_revoked: deleted.tokensRevoked };
    if (values.json) printJson(io, result);
    else {
      io.stdout.write(
        `Deleted scope "${result.name}": removed from ${result.clients} client(s), ${result.consents} consent(s) and ${result.tokens} token(s); ${result.tokens_revoked} token(s) left with no scope were revoked.\n`,
      );
    }
  },
};
