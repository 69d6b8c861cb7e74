/**
 * The server's log: pino JSON lines on stdout, secrets redacted (ENGINEERING.md, "Security
 * positions"). At `info` every request writes one access-log line (src/http/plugins/metrics.ts);
 * those go through pino's asynchronous destination, so a request never waits on a write(2):
 * lines queue in memory while a write is in flight and leave together. Errors and worse go
 * through a synchronous destination, so the line explaining a crash is on disk before the
 * process ends; the queue is flushed when the process exits.
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

export function createServerLogger(level: string, destinations?: LogDestinations): ServerLogger {
  const queued = destinations?.queued ?? pino.destination({ dest: 1, sync: false });
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
