import { openDatabase } from './database.ts';
import { commonConfig, configOrExit } from './env.ts';
import { createLogger } from './logger.ts';
import { migrate } from './migrate.ts';

// `pnpm db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database).
const config = configOrExit('db', commonConfig);
const log = createLogger('db', config.log);
const command = process.argv[2];
if (command !== 'migrate') {
  log.error(`unknown command ${command ?? '(none)'}; usage: tsx src/cli.ts migrate`);
  process.exit(2);
}
const database = await configOrExit('db', () => openDatabase(log, config.database));
try {
  const applied = await migrate(database.url, log);
  log.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'nothing to migrate');
} finally {
  await database.stop();
}
