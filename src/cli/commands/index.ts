/** Every CLI command, in the order `keygate --help` lists them. */
import type { Command } from '../command.js';
import { clientCreateCommand } from './client-create.js';
import { clientDeleteCommand } from './client-delete.js';
import { clientListCommand } from './client-list.js';
import { clientSecretCommand } from './client-secret.js';
import { clientShowCommand } from './client-show.js';
import { clientUpdateCommand } from './client-update.js';
import { migrateCommand } from './migrate.js';
import { patCreateCommand } from './pat-create.js';
import { scopeCreateCommand } from './scope-create.js';
import { scopeDeleteCommand } from './scope-delete.js';
import { scopeListCommand } from './scope-list.js';
import { serveCommand } from './serve.js';
import { tokensPurgeCommand } from './tokens-purge.js';
import { tokensRevokeCommand } from './tokens-revoke.js';
import { userCreateCommand } from './user-create.js';
import { userListCommand } from './user-list.js';
import { userPasswordCommand } from './user-password.js';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  userCreateCommand,
  userListCommand,
  userPasswordCommand,
  clientCreateCommand,
  clientListCommand,
  clientShowCommand,
  clientUpdateCommand,
  clientSecretCommand,
  clientDeleteCommand,
  patCreateCommand,
  scopeCreateCommand,
  scopeListCommand,
  scopeDeleteCommand,
  tokensRevokeCommand,
  tokensPurgeCommand,
];
