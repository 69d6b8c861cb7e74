import { CLI_ACTOR } from '../../services/actor.js';
import { intOption, printJson, shellLine, stringOption, withContext, type Command } from '../command.js';

export const userListCommand: Command = {
  name: 'user:list',
  summary: 'List users (newest first)',
  usage: `keygate user:list [--filter TEXT] [--page N] [--per-page N] [--json]

  --filter TEXT   only users whose username contains TEXT (any case)
  --page N        page number (from 1)
  --per-page N    users per page (1–100, default 50)
  --json          print {"data":[{"id","username","administrator","permissions","created_at"}],"meta":{…}}`,
  options: { filter: { type: 'string' }, page: { type: 'string' }, 'per-page': { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const page = intOption(values, 'page', 1, 1, 1_000_000);
    const perPage = intOption(values, 'per-page', 50, 1, 100);
    const filter = stringOption(values, 'filter') ?? '';
    const result = await withContext(io, (ctx) => ctx.services.users.list(CLI_ACTOR, { page, perPage, filter }));
    const rows = result.data.map((u) => ({ id: u.id, username: u.username, administrator: u.administrator, permissions: u.grantedPermissions, created_at: u.createdAt.toISOString() }));
    if (values.json) {
      printJson(io, { data: rows, meta: { total: result.total, page, per_page: perPage } });
      return;
    }
    if (rows.length === 0) {
      io.stdout.write(result.total === 0 ? (filter ? `No user matches "${filter}".\n` : 'No users yet.\n') : `Page ${page} is past the last page.\n`);
      return;
    }
    const width = Math.min(40, Math.max(8, ...rows.map((r) => r.username.length)));
    io.stdout.write(`${'ID'.padEnd(36)}  ${'USERNAME'.padEnd(width)}  ROLE\n`);
    for (const r of rows) {
      const role = r.administrator ? 'administrator' : r.permissions.length ? r.permissions.join(',') : '(no permissions)';
      io.stdout.write(`${r.id}  ${r.username.slice(0, width).padEnd(width)}  ${role}\n`);
    }
    const pages = Math.max(1, Math.ceil(result.total / perPage));
    io.stdout.write(`${rows.length} of ${result.total} shown (page ${page} of ${pages})\n`);
    if (page < pages) {
      const same = [...(filter ? ['--filter', filter] : []), ...(perPage !== 50 ? ['--per-page', String(perPage)] : [])];
      io.stdout.write(`Next page: ${shellLine(['keygate', 'user:list', ...same, '--page', String(page + 1)])}\n`);
    }
  },
};
