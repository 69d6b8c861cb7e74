/** Every CLI command, in the order `keygate --help` lists them. */
import type { Command } from '../command.js';
import { clientCreateCommand } from './client-create.js';
import { clientDeleteCommand } from './client-delete.js';
import { clientListCommand } from './client-list.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { tokensPurgeCommand } from './tokens-purge.js';
import { tokensRevokeCommand } from './tokens-revoke.js';
import { userCreateCommand } from './user-create.js';
import { userPasswordCommand } from './user-password.js';

export const COMMANDS: readonly Command[] = [serveCommand, migrateCommand, userCreateCommand, userPasswordCommand, clientCreateCommand, clientListCommand, clientDeleteCommand, tokensRevokeCommand, tokensPurgeCommand];
