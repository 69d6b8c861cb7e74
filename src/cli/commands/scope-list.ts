import { CLI_ACTOR } from '../../services/actor.js';
import { printJson, withContext, type Command } from '../command.js';

export const scopeListCommand: Command = {
  name: 'scope:list',
  summary: 'List the custom scopes (api and api:read are built in)',
  usage: `keygate scope:list [--json]

  --json   print {"data":[{"name","description","created_at"}],"meta":{"total"}}`,
  options: { json: { type: 'boolean' } },
  async run(values, io) {
    const scopes = await withContext(io, (ctx) => ctx.services.scopes.list(CLI_ACTOR));
    const rows = scopes.map((s) => ({ name: s.name, description: s.description, created_at: s.createdAt.toISOString() }));
    if (values.json) {
      printJson(io, { data: rows, meta: { total: rows.length } });
      return;
    }
    if (rows.length === 0) {
      io.stdout.write('No custom scopes yet (api and api:read are built in). Add one with keygate scope:create --name N --description D\n');
      return;
    }
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    io.stdout.write(`${'NAME'.padEnd(width)}  DESCRIPTION\n`);
    for (const r of rows) io.stdout.write(`${r.name.padEnd(width)}  ${r.description}\n`);
  },
};
