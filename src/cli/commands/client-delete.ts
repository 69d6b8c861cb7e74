import { CLI_ACTOR } from '../../services/actor.js';
import { NotFoundError } from '../../services/errors.js';
import { CommandError, printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

export const clientDeleteCommand: Command = {
  name: 'client:delete',
  summary: 'Delete an Auth Client and end every token issued to it',
  usage: `keygate client:delete (--id ID | --name N) [--json]

  --id ID     the client's id (or its name)
  --name N    or its name (any case)
  --json      print {"id","name","tokens_ended"} as JSON

Every token and pending authorization code of the client ends at once, also on running servers.`,
  options: { id: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const id = stringOption(values, 'id');
    const name = stringOption(values, 'name');
    if ((id === undefined) === (name === undefined)) throw new UsageError('give either --id or --name (see keygate client:delete --help)');
    const result = await withContext(io, async (ctx) => {
      const client = await ctx.services.clients.resolve(CLI_ACTOR, (id ?? name)!).catch((err: unknown) => {
        if (err instanceof NotFoundError) throw new CommandError(`no Auth Client ${id !== undefined ? `with id "${id}"` : `named "${name}"`}`);
        throw err;
      });
      const deleted = await ctx.services.clients.delete(CLI_ACTOR, client.id);
      return { id: deleted.id, name: deleted.name, tokens_ended: deleted.tokensEnded };
    });
    if (values.json) printJson(io, result);
    else io.stdout.write(`Deleted Auth Client "${result.name}" (${result.id}); ${result.tokens_ended} active token(s) stopped working.\n`);
  },
};
