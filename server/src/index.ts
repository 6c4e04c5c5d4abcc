import { configOrExit, createLogger, migrate, openDatabase, stopOnSignals } from '@pmd/db';
import { serverConfig } from './config.ts';

// Runs the API alone: DATABASE_URL (or an embedded PostgreSQL), migrated, on PORT (8000). The environment is checked
// first: a bad variable stops the start here, naming it, before the app (whose schema builder reads the config) loads.
const config = configOrExit('server', serverConfig);
const { buildApp } = await import('./app.ts');
const log = createLogger('server', config.log);
const database = await configOrExit('server', () => openDatabase(log, config.database));
await migrate(database.url, log);
const app = buildApp({ databaseUrl: database.url, log });
await app.start();

stopOnSignals(log, async () => {
  await app.stop();
  await database.stop();
});
