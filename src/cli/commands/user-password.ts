import { CLI_ACTOR } from '../../services/actor.js';
import { printJson, stringOption, UsageError, withContext, type Command } from '../command.js';
import { passwordOption } from './user-create.js';

export const userPasswordCommand: Command = {
  name: 'user:password',
  summary: "Set a user's password (also the way back in for a lost administrator password)",
  usage: `keygate user:password --username U (--password-stdin | --password P) [--revoke-personal-access-tokens] [--json]

  --username U                       the user (username, any case, or id)
  --password-stdin                   read the new password from standard input (recommended)
  --password P                       or give it here (it stays in the shell's history)
  --revoke-personal-access-tokens    revoke the user's personal access tokens too
  --json                             print {"id","username","revoked_personal_access_tokens"} as JSON

Like a password change in the console or the API, this ends every session of the user and revokes
their access and refresh tokens, also on running servers; personal access tokens keep working
unless --revoke-personal-access-tokens is given.`,
  options: {
    username: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    'revoke-personal-access-tokens': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, io) {
    const username = stringOption(values, 'username')?.trim();
    if (!username) throw new UsageError('--username is required (see keygate user:password --help)');
    const password = await passwordOption(values, io, 'user:password');
    const withPats = values['revoke-personal-access-tokens'] === true;
    const user = await withContext(io, (ctx) => ctx.services.users.changePassword(CLI_ACTOR, username, password, { revokePersonalAccessTokens: withPats }));
    if (values.json) {
      printJson(io, { id: user.id, username: user.username, revoked_personal_access_tokens: withPats });
      return;
    }
    io.stdout.write(
      `Changed the password of "${user.username}" (${user.id}): their sessions ended and their access and refresh tokens were revoked` +
        `${withPats ? ', personal access tokens included' : '; personal access tokens keep working'}.\n`,
    );
  },
};
