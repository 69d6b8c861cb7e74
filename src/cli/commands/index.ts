/** Every CLI command, in the order `keygate --help` lists them. */
import type { Command } from '../command.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { userCreateCommand } from './user-create.js';

export const COMMANDS: readonly Command[] = [serveCommand, migrateCommand, userCreateCommand];
