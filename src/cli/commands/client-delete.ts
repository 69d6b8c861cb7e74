import { CommandError, printJson, stringOption, UsageError, withContext, type Command } from '../command.js';
import { CLI_ACTOR } from './client-create.js';

export const clientDeleteCommand: Command = {
  name: 'client:delete',
  summary: 'Delete an Auth Client and end every token issued to it',
  usage: `keygate client:delete (--id ID | --name N) [--json]

  --id ID     the client's id
  --name N    or its name (any case)
  --json      print {"id","name","tokens_ended"} as JSON

Every token and pending authorization code of the client ends at once, also on running servers.`,
  options: { id: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const id = stringOption(values, 'id');
    const name = stringOption(values, 'name');
    if ((id === undefined) === (name === undefined)) throw new UsageError('give either --id or --name (see keygate client:delete --help)');
    const result = await withContext(io, async (ctx) => {
      const client = id !== undefined ? await ctx.clients.findById(id) : await ctx.clients.findByName(name!);
      if (!client) throw new CommandError(`no Auth Client ${id !== undefined ? `with id "${id}"` : `named "${name}"`}`);
      const ended = await ctx.clients.delete(client.id);
      if (ended === null) throw new CommandError(`no Auth Client with id "${client.id}"`);
      await ctx.audit.record({ type: 'client.deleted', actor: CLI_ACTOR, subjectType: 'client', subjectId: client.id, details: { name: client.name, tokens_ended: ended } });
      return { id: client.id, name: client.name, tokens_ended: ended };
    });
    if (values.json) printJson(io, result);
    else io.stdout.write(`Deleted Auth Client "${result.name}" (${result.id}); ${result.tokens_ended} active token(s) stopped working.\n`);
  },
};
