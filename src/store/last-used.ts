/**
 * Records when tokens were last used without a write per request: the token check marks a token
 * at most once per `intervalMs` (one minute), and marks are written in one batch on a timer,
 * on `flush()` (before a list is read) and at shutdown.
 */
export const LAST_USED_INTERVAL_MS = 60_000;

export interface LastUsedSink {
  recordLastUsed(entries: ReadonlyArray<readonly [id: string, atMs: number]>): Promise<void>;
}

export interface LastUsedRecorder {
  /** Queues a write of `atMs` for the token; the caller decides it is due (see `isDue`). */
  mark(tokenId: string, atMs: number): void;
  isDue(lastWrittenMs: number | null, nowMs: number): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Writes done so far (for tests and metrics). */
  readonly writes: number;
}

export function createLastUsedRecorder(
  sink: LastUsedSink,
  options: { flushEveryMs?: number; intervalMs?: number; onError?: (err: unknown) => void } = {},
): LastUsedRecorder {
  const intervalMs = options.intervalMs ?? LAST_USED_INTERVAL_MS;
  let pending = new Map<string, number>();
  let writes = 0;
  let running: Promise<void> | null = null;

  const flush = async (): Promise<void> => {
    while (running) await running;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    running = sink
      .recordLastUsed([...batch])
      .then(() => {
        writes += batch.size;
      })
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        running = null;
      });
    await running;
  };

  const timer = setInterval(() => void flush(), options.flushEveryMs ?? 5_000);
  timer.unref();

  return {
    mark(tokenId, atMs) {
      pending.set(tokenId, atMs);
      if (pending.size >= 5_000) void flush();
    },
    isDue(lastWrittenMs, nowMs) {
      return lastWrittenMs === null || nowMs - lastWrittenMs >= intervalMs;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get writes() {
      return writes;
    },
  };
}
