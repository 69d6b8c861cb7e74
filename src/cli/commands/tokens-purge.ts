import { CLI_ACTOR } from '../../services/actor.js';
import type { PurgeProgress } from '../../store/token-admin-store.js';
import { printJson, UsageError, withContext, type CliIo, type Command } from '../command.js';

/** A one-line progress bar, redrawn in place on a terminal (stderr). */
function progressBar(io: CliIo): (p: PurgeProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 100 && p.deleted < p.total) return;
    last = now;
    const width = 30;
    const ratio = p.total === 0 ? 1 : Math.min(1, p.deleted / p.total);
    const filled = Math.round(ratio * width);
    io.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${p.deleted}/${p.total} rows`);
  };
}

export const tokensPurgeCommand: Command = {
  name: 'tokens:purge',
  summary: 'Delete expired and revoked token rows and expired authorization codes, in small batches',
  usage: `keygate tokens:purge [--batch-size N] [--json]

  --batch-size N  rows deleted per transaction (default 5000, at most 50000)
  --json          print {"deleted","codes_deleted","batches","duration_ms","rows_per_second"} as JSON

Deletes in short transactions and pauses between them, so running servers keep answering.
Safe to schedule (cron, systemd timer): a second run finds nothing and exits 0.
Shows a progress bar on a terminal.`,
  options: { 'batch-size': { type: 'string' }, json: { type: 'boolean' } },
  async run(values, io) {
    const rawBatch = values['batch-size'];
    let batchSize: number | undefined;
    if (typeof rawBatch === 'string') {
      if (!/^\d+$/.test(rawBatch) || Number(rawBatch) < 1 || Number(rawBatch) > 50_000) throw new UsageError('--batch-size must be a whole number from 1 to 50000');
      batchSize = Number(rawBatch);
    }
    const tty = io.stderr.isTTY === true;
    const result = await withContext(io, (ctx) =>
      ctx.services.tokenHygiene.purge(CLI_ACTOR, { ...(batchSize ? { batchSize } : {}), ...(tty ? { onProgress: progressBar(io) } : {}) }),
    );
    if (tty) io.stderr.write('\n');
    const rowsPerSecond = result.durationMs > 0 ? Math.round((result.deleted * 1000) / result.durationMs) : result.deleted;
    if (values.json) {
      printJson(io, { deleted: result.deleted, codes_deleted: result.codesDeleted, batches: result.batches, duration_ms: result.durationMs, rows_per_second: rowsPerSecond });
    } else {
      io.stdout.write(
        `Deleted ${result.deleted} expired or revoked token row(s) and ${result.codesDeleted} expired authorization code(s) in ${(result.durationMs / 1000).toFixed(1)} s.\n`,
      );
    }
  },
};
