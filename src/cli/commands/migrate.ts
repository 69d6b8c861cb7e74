import { CommandError, configFrom, printJson, type Command } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations',
  usage: 'keygate migrate [--json]\n\nApplies every pending migration to the store named by DATABASE_URL.',
  options: { json: { type: 'boolean' } },
  async run(values, io) {
    const config = configFrom(io);
    const [{ openStore }, { migrateToLatest }] = await Promise.all([import('../../store/db.js'), import('../../store/migrate.js')]);
    const store = openStore(config.database);
    try {
      const applied = await migrateToLatest(store);
      if (values.json) printJson(io, { applied });
      else io.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'The store is up to date.\n');
    } catch (err) {
      throw new CommandError(`migration failed: ${(err as Error).message}`);
    } finally {
      await store.close();
    }
  },
};
