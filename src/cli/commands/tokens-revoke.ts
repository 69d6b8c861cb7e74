import { CLI_ACTOR } from '../../services/actor.js';
import { hasRevokeCriterion } from '../../domain/token.js';
import { printJson, stringOption, UsageError, withContext, type Command } from '../command.js';

export const tokensRevokeCommand: Command = {
  name: 'tokens:revoke',
  summary: 'Revoke active tokens in bulk by client, user, name or creation date',
  usage: `keygate tokens:revoke [--client C] [--user U] [--name N] [--before DATE] [--dry-run] [--json]

  --client C      tokens of this client (id or name)
  --user U        tokens of this user (id or username)
  --name N        personal access tokens with exactly this name
  --before DATE   tokens created before DATE (YYYY-MM-DD, or an ISO 8601 time)
  --dry-run       only count the tokens that would be revoked
  --json          print {"count","dry_run"} as JSON

At least one of --client, --user, --name, --before is required; conditions combine with AND.
Servers using the same store refuse the revoked tokens on their next request.`,
  options: {
    client: { type: 'string' },
    user: { type: 'string' },
    name: { type: 'string' },
    before: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const input = { client: stringOption(values, 'client'), user: stringOption(values, 'user'), name: stringOption(values, 'name'), before: stringOption(values, 'before') };
    if (!hasRevokeCriterion(input)) throw new UsageError('give at least one of --client, --user, --name, --before (see keygate tokens:revoke --help)');
    const dryRun = values['dry-run'] === true;
    const { count } = await withContext(io, (ctx) => ctx.services.tokenHygiene.bulkRevoke(CLI_ACTOR, input, { dryRun }));
    if (values.json) printJson(io, { count, dry_run: dryRun });
    else io.stdout.write(dryRun ? `${count} active token(s) match; nothing was revoked (--dry-run).\n` : `Revoked ${count} token(s).\n`);
  },
};
