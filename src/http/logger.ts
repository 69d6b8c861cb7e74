/**
 * The server's log: pino JSON lines on stdout, secrets redacted (ENGINEERING.md, "Security
 * positions"). At `info` every request writes one access-log line (src/http/plugins/metrics.ts);
 * those go through pino's asynchronous destination, so a request never waits on a write(2):
 * lines queue in memory and leave together, in writes of about 4 KB or every 100 ms, whichever
 * comes first (one write per line cost the API call about 5 µs of its ~55 µs; bench A/B, issue
 * 17). The lines are gathered here (`LineBatch`) and handed to sonic-boom a batch at a time:
 * sonic-boom's own `minLength` measures the UTF-8 length of its whole pending buffer on every
 * line, which flattens and copies that growing string each time: a line cost 5.0-5.8 µs that
 * way and 4.0-4.5 µs through the batch, pino's own 2.3-2.8 µs included (medians of
 * `npx tsx bench/log-line.ts`). Errors and worse go through a synchronous destination, so the
 * line explaining a crash is on disk before the process ends; the queue is flushed when the
 * process exits.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

/** Fields pino must never write. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.client_secret',
  '*.code',
  '*.code_verifier',
  '*.device_code',
  '*.user_code',
  '*.refresh_token',
  '*.access_token',
  '*.token',
  '*.secret',
];

/**
 * The queued lines leave in writes of at least this many characters (bytes, for the ASCII of
 * access lines: about twenty of them), or every QUEUED_FLUSH_MS when fewer are waiting: one
 * write(2) per line cost more than building it.
 */
const QUEUED_BATCH_CHARS = 4096;
const QUEUED_FLUSH_MS = 100;

export interface LogDestinations {
  /** Lines below `error` (the access log, info and warnings). */
  readonly queued: DestinationStream;
  /** `error` and `fatal`, written before the call returns. */
  readonly immediate: DestinationStream;
}

export interface ServerLogger {
  readonly logger: Logger;
  /**
   * The access log: the same level and destination, without redaction or the stream fan-out,
   * since its lines hold only fields the hook chose (no headers, no body, no query string).
   */
  readonly access: Logger;
  /** Writes out whatever is queued, synchronously (on exit). */
  flush(): void;
}

/**
 * Lines gathered into one string until there are about `batchChars` characters, or until the
 * timer fires, then written to `out` (sonic-boom, asynchronous) in one call. sonic-boom keeps
 * doing what it does well: the write(2) itself, partial writes, EAGAIN on a full pipe, the
 * synchronous flush on exit.
 */
export class LineBatch implements DestinationStream {
  private pending = '';

  constructor(
    private readonly out: DestinationStream & { flushSync(): void },
    private readonly batchChars: number,
    flushMs: number,
  ) {
    setInterval(() => this.handOver(), flushMs).unref();
  }

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= this.batchChars) this.handOver();
  }

  /** Writes out everything gathered and queued, synchronously. */
  flushSync(): void {
    this.handOver();
    this.out.flushSync();
  }

  private handOver(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = '';
    this.out.write(batch);
  }
}

export function createServerLogger(level: string, destinations?: LogDestinations): ServerLogger {
  const queued = destinations?.queued ?? new LineBatch(pino.destination({ dest: 1, sync: false }), QUEUED_BATCH_CHARS, QUEUED_FLUSH_MS);
  const immediate = destinations?.immediate ?? pino.destination({ dest: 1, sync: true });
  // dedupe: a line goes to the stream with the highest level it reaches only, so errors are
  // written once, synchronously.
  const streams = pino.multistream(
    [
      { level: 'trace', stream: queued },
      { level: 'error', stream: immediate },
    ],
    { dedupe: true },
  );
  const logger = pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, streams);
  const access = pino({ level }, queued);
  const flush = (): void => {
    const sync = (queued as { flushSync?: () => void }).flushSync;
    try {
      sync?.call(queued);
    } catch {
      // not open yet, or already closed: nothing queued can be written
    }
  };
  return { logger, access, flush };
}
