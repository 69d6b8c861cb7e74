import { clientWireForm } from '../../domain/client.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

export const clientShowCommand: Command = {
  name: 'client:show',
  summary: "Show an Auth Client's settings and token counts (never its secret)",
  usage: `keygate client:show --id ID [--json]

  --id ID     the client's id, or its name (any case)
  --json      print the client as the API does, with "active_tokens" and "last_used_at"`,
  options: { id: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const ref = stringOption(values, 'id');
    if (ref === undefined || ref.trim() === '') throw new UsageError('--id is required (see keygate client:show --help)');
    const client = await withContext(io, async (ctx) => {
      const found = await ctx.services.clients.resolve(CLI_ACTOR, ref);
      return ctx.services.clients.get(CLI_ACTOR, found.id);
    });
    const out = { ...clientWireForm(client), active_tokens: client.stats.activeTokens, last_used_at: client.stats.lastUsedAt?.toISOString() ?? null };
    if (values.json) {
      printJson(io, out);
      return;
    }
    const lines: Array<[string, string]> = [
      ['id', out.id],
      ['name', out.name],
      ['type', out.confidential ? 'confidential (has a secret)' : 'public (no secret, PKCE required)'],
      ['grants', out.types.join(', ')],
      ['redirect', out.redirect.length ? out.redirect.join('\n                ') : '—'],
      ['trusted', out.trusted ? 'yes' : 'no'],
      ['introspect all', out.introspect_all ? 'yes' : 'no'],
      ['permissions', out.permissions.length ? out.permissions.join(', ') : '—'],
      ['active tokens', String(out.active_tokens)],
      ['last used', out.last_used_at ?? 'never'],
      ['created', out.created_at],
      ['updated', out.updated_at],
    ];
    for (const [label, value] of lines) io.stdout.write(`${label.padEnd(16)}${value}\n`);
  },
};
