import { CLI_ACTOR } from '../../services/actor.js';
import { printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

export const scopeCreateCommand: Command = {
  name: 'scope:create',
  summary: 'Add a custom scope to the catalog (for your own APIs)',
  usage: `keygate scope:create --name N --description D [--json]

  --name N          an RFC 6749 §3.3 scope-token of at most 64 characters, such as orders:read
                    (api and api:read are built in and reserved)
  --description D   what the scope allows, in plain words: the consent page shows it
  --json            print {"name","description","created_at"} as JSON

Only administrators may then give it to a client (console, API or client:update).`,
  options: { name: { type: 'string' }, description: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const name = stringOption(values, 'name');
    const description = stringOption(values, 'description');
    if (name === undefined) throw new UsageError('--name is required (see keygate scope:create --help)');
    if (description === undefined) throw new UsageError('--description is required (see keygate scope:create --help)');
    const scope = await withContext(io, (ctx) => ctx.services.scopes.create(CLI_ACTOR, { name, description }));
    const result = { name: scope.name, description: scope.description, created_at: scope.createdAt.toISOString() };
    if (values.json) printJson(io, result);
    else io.stdout.write(`Created scope "${result.name}".\n`);
  },
};
