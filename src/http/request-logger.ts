/**
 * Fastify gives every request a child logger carrying its request id. With pino's redaction
 * that child costs a few microseconds to build, on every request, even when nothing is logged
 * (LOG_LEVEL=warn and a request that succeeds). This factory hands out a stand-in that builds
 * the real child the first time something is logged at an enabled level, so the log lines are
 * the same ones, with the same request id, and a quiet request builds nothing.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Forward = (this: DeferredChildLogger, ...args: unknown[]) => void;

interface LevelAware {
  isLevelEnabled?(level: string): boolean;
}

class DeferredChildLogger {
  #child: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  materialize(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  enabled(level: LevelName): boolean {
    return this.#child !== null || ((this.parent as LevelAware).isLevelEnabled?.(level) ?? true);
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.materialize().level = level;
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.materialize().child(bindings, options);
  }

  silent(): void {}
}

function forward(level: LevelName): Forward {
  return function (this: DeferredChildLogger, ...args: unknown[]): void {
    if (!this.enabled(level)) return;
    const logger = this.materialize();
    Reflect.apply(logger[level], logger, args);
  };
}

for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const) {
  Object.defineProperty(DeferredChildLogger.prototype, level, { value: forward(level), writable: true, configurable: true });
}

/** Use as Fastify's `childLoggerFactory`. Route-level log options build the child at once. */
export const deferredChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) => {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  return new DeferredChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
};
