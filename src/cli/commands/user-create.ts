import { passwordProblem } from '../../domain/password.js';
import { isPermission, PERMISSIONS } from '../../domain/permission.js';
import { CLI_ACTOR } from '../../services/actor.js';
import { ValidationError } from '../../services/errors.js';
import { USER_MESSAGES } from '../../domain/user.js';
import { CommandError, listOption, printJson, stringOption, UsageError, withContext, type CliIo, type Command } from '../command.js';

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The password of `--password P` or `--password-stdin` (exactly one of them), checked; also for user:password. */
export async function passwordOption(values: Record<string, unknown>, io: CliIo, command: string): Promise<string> {
  const fromStdin = values['password-stdin'] === true;
  const given = stringOption(values, 'password');
  if (fromStdin && given !== undefined) throw new UsageError('use either --password or --password-stdin, not both');
  if (!fromStdin && given === undefined) throw new UsageError(`--password or --password-stdin is required (see keygate ${command} --help)`);
  const password = fromStdin ? await readStdin(io) : given!;
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  return password;
}

export const userCreateCommand: Command = {
  name: 'user:create',
  summary: 'Create a user',
  usage: `keygate user:create --username U (--password P | --password-stdin) [--admin] [--permission P…] [--json]

  --username U        the login name (unique, case-insensitive)
  --password P        the password (at least 8 characters)
  --password-stdin    read the password from standard input instead
  --admin             make the user an administrator (all permissions)
  --permission P      grant a permission; repeat for several: ${PERMISSIONS.join(', ')}
  --json              print {"id","username"} as JSON`,
  options: {
    username: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    admin: { type: 'boolean' },
    permission: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const username = stringOption(values, 'username')?.trim();
    if (!username) throw new UsageError('--username is required (see keygate user:create --help)');
    if (username.length > 255) throw new UsageError('--username must be at most 255 characters');
    const password = await passwordOption(values, io, 'user:create');
    const permissions = listOption(values, 'permission');
    const unknown = permissions.find((p) => !isPermission(p));
    if (unknown) throw new UsageError(`unknown permission "${unknown}": use one of ${PERMISSIONS.join(', ')}`);
    const user = await withContext(io, (ctx) =>
      ctx.services.users.create(CLI_ACTOR, { username, password, administrator: values.admin === true, permissions }).catch((err: unknown) => {
        if (err instanceof ValidationError && err.errors.username?.includes(USER_MESSAGES.usernameTaken)) throw new CommandError(`a user named "${username}" already exists`);
        throw err;
      }),
    );
    if (values.json) printJson(io, { id: user.id, username: user.username });
    else io.stdout.write(`Created user "${user.username}" (${user.id})${user.administrator ? ' as an administrator' : ''}.\n`);
  },
};
