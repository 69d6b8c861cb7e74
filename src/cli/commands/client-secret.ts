import { clientWireForm } from '../../domain/client.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { MAX_GRACE_PERIOD_SECONDS } from '../../domain/client-rules.js';
import { intOption, printJson, SHOWN_ONCE, stringOption, UsageError, withContext, type Command } from '../command.js';

export const clientSecretCommand: Command = {
  name: 'client:secret',
  summary: "Regenerate an Auth Client's secret (prints the new one once)",
  usage: `keygate client:secret --id ID [--grace SECONDS] [--json]

  --id ID           the client's id, or its name (any case)
  --grace SECONDS   keep the old secret working this long (0–${MAX_GRACE_PERIOD_SECONDS}; default 0: it stops at once,
                    as it should for a leaked secret)
  --json            print the client with "secret", as the API does

Running servers accept the new secret at once and refuse the old one after the grace period.`,
  options: { id: { type: 'string' }, grace: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const ref = stringOption(values, 'id');
    if (ref === undefined || ref.trim() === '') throw new UsageError('--id is required (see keygate client:secret --help)');
    const grace = intOption(values, 'grace', 0, 0, MAX_GRACE_PERIOD_SECONDS);
    const { client, secret } = await withContext(io, async (ctx) => {
      const found = await ctx.services.clients.resolve(CLI_ACTOR, ref);
      return ctx.services.clients.regenerateSecret(CLI_ACTOR, found.id, grace);
    });
    if (values.json) {
      printJson(io, clientWireForm(client, secret));
      return;
    }
    io.stdout.write(`New secret for Auth Client "${client.name}" (${client.id})\n  secret: ${secret}\n${SHOWN_ONCE}\n`);
    io.stdout.write(grace > 0 ? `The old secret keeps working for ${grace} second${grace === 1 ? '' : 's'}.\n` : 'The old secret no longer works.\n');
  },
};
