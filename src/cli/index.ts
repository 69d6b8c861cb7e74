#!/usr/bin/env node
/** `npx keygate <command>`: the administration CLI. */
import { ServiceError, ValidationError } from '../services/errors.js';
import { CommandError, parseCommandArgs, UsageError, type CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Keygate: an OAuth 2.0 authorization server for your REST API.

Usage: keygate <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "keygate <command> --help" for a command's options.
`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`keygate: unknown command "${name}" (run keygate --help for the list)\n`);
    return 2;
  }
  try {
    const values = parseCommandArgs(command, rest);
    if (values.help) {
      io.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
      return 0;
    }
    await command.run(values, io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`keygate ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof CommandError) {
      io.stderr.write(`keygate ${name}: ${err.message}\n`);
      return 1;
    }
    // A service refused: validation (every message, by field), not found, not allowed.
    if (err instanceof ServiceError) {
      io.stderr.write(`keygate ${name}: ${err instanceof ValidationError ? err.describe() : err.message}\n`);
      return 1;
    }
    io.stderr.write(`keygate ${name}: unexpected error: ${(err as Error).message}\n`);
    return 1;
  }
}

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
const code = await runCli(process.argv.slice(2), io);
// `serve` keeps running; every other command exits with its code.
if (process.argv[2] !== 'serve' || code !== 0) process.exit(code);
