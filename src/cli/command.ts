/** The shape of a CLI command and the helpers every command shares. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createContext, type Context } from '../context.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage lines shown by `--help`. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, io: CliIo): Promise<void>;
}

export function parseCommandArgs(command: Command, argv: string[]): Record<string, unknown> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (see keygate ${command.name} --help)`);
    return values;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = (err as Error).message.replace(/\. To specify a positional.*$/s, '');
    throw new UsageError(`${message} (see keygate ${command.name} --help)`);
  }
}

export function configFrom(io: CliIo): Config {
  try {
    return loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CommandError(err.message);
    throw err;
  }
}

/** Opens the store for a one-shot command and always closes it. */
export async function withContext<T>(io: CliIo, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const config = configFrom(io);
  let ctx: Context;
  try {
    ctx = await createContext(config, { listen: false });
  } catch (err) {
    throw new CommandError(`cannot open the store: ${(err as Error).message}`);
  }
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(values: Record<string, unknown>, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}
