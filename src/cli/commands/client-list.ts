import { clientWireForm } from '../../domain/client.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { CommandError, intOption, printJson, shellLine, stringOption, withContext, type Command } from '../command.js';

export const clientListCommand: Command = {
  name: 'client:list',
  summary: 'List Auth Clients (newest first)',
  usage: `keygate client:list [--filter TEXT] [--order-by created_at|name] [--page N] [--per-page N] [--json]

  --filter TEXT     only clients whose name or a redirect URL contains TEXT (any case)
  --order-by KEY    created_at (newest first, the default) or name
  --page N          page number (from 1)
  --per-page N      clients per page (1–100, default 50)
  --json            print {"data":[…],"meta":{"total","page","per_page"}}`,
  options: {
    filter: { type: 'string' },
    'order-by': { type: 'string' },
    page: { type: 'string' },
    'per-page': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const orderBy = stringOption(values, 'order-by') ?? 'created_at';
    if (orderBy !== 'created_at' && orderBy !== 'name') throw new CommandError('--order-by must be created_at or name');
    const page = intOption(values, 'page', 1, 1, 1_000_000);
    const perPage = intOption(values, 'per-page', 50, 1, 100);
    const filter = stringOption(values, 'filter') ?? '';
    const result = await withContext(io, (ctx) => ctx.services.clients.list(CLI_ACTOR, { page, perPage, filter, orderBy }));
    const rows = result.data.map((c) => ({ ...clientWireForm(c), active_tokens: c.stats.activeTokens }));
    if (values.json) {
      printJson(io, { data: rows, meta: { total: result.total, page, per_page: perPage } });
      return;
    }
    const pages = Math.max(1, Math.ceil(result.total / perPage));
    if (rows.length === 0) {
      if (result.total === 0) io.stdout.write(filter ? `No Auth Client matches "${filter}".\n` : 'No Auth Clients yet: create one with keygate client:create.\n');
      else io.stdout.write(`Page ${page} is past the last page (${pages}).\n`);
      return;
    }
    const nameWidth = Math.min(40, Math.max(4, ...rows.map((r) => r.name.length)));
    io.stdout.write(`${'ID'.padEnd(36)}  ${'NAME'.padEnd(nameWidth)}  ${'TOKENS'.padStart(6)}  TYPES\n`);
    for (const r of rows) {
      io.stdout.write(`${r.id}  ${r.name.slice(0, nameWidth).padEnd(nameWidth)}  ${String(r.active_tokens).padStart(6)}  ${r.types.join(',')}\n`);
    }
    const from = (page - 1) * perPage + 1;
    io.stdout.write(`${from}–${from + rows.length - 1} of ${result.total} (page ${page} of ${pages})\n`);
    if (page < pages) {
      const same = [
        ...(filter ? ['--filter', filter] : []),
        ...(orderBy !== 'created_at' ? ['--order-by', orderBy] : []),
        ...(perPage !== 50 ? ['--per-page', String(perPage)] : []),
      ];
      io.stdout.write(`Next page: ${shellLine(['keygate', 'client:list', ...same, '--page', String(page + 1)])}\n`);
    }
  },
};
