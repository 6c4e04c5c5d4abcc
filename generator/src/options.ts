import { MAX_BATCH_SIZE } from '@pmd/domain';
import { parseArgs } from 'node:util';
import type { GeneratorEnv } from './config.ts';

/** Everything the generator can be told, from flags first, then environment variables, then defaults. */
export interface GeneratorOptions {
  url: string;
  token: string | undefined;
  /** Mean user journeys per second (live). */
  rate: number;
  /** Stop after this long (live); 0 = until Ctrl-C. */
  durationMs: number;
  batchSize: number;
  flushIntervalMs: number;
  concurrency: number;
  maxBuffered: number;
  extraCampaigns: number;
  users: number;
  seed: number;
  scenarios: Set<Scenario>;
  ctrDropCampaign: string;
  ctrDropFactor: number;
  ctrDropSignupFactor: number;
  ctrDropPhaseMs: number;
  lateFraction: number;
  lateMaxMs: number;
  duplicateFraction: number;
  /** Write this much history (time-compressed) instead of running live; 0 = live. */
  backfillMs: number;
  /** Mean journeys per simulated second during a backfill (shaped by hour of day). */
  backfillRate: number;
  statusIntervalMs: number;
  help: boolean;
}

export const SCENARIOS = ['ctr-drop', 'late', 'duplicates'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const HELP = `pnpm generator [options]   — realistic ad events sent to ingestEvents (GraphQL), never dropped

Target
  --url <url>                 API base URL                         env API_URL         default http://localhost:8000
  --token <token>             ingest bearer token                  env INGEST_TOKEN    default none
Traffic
  --rate <n>                  user journeys per second             env GENERATOR_RATE  default 20
  --duration <d>              stop after d (e.g. 90s, 10m, 2h)     env GENERATOR_DURATION  default: until Ctrl-C
  --campaigns <n>             extra synthetic campaigns (load)     env GENERATOR_CAMPAIGNS default 0
  --users <n>                 users user_00000…                    default 2000
  --seed <n>                  same seed + same start = same events env GENERATOR_SEED  default random (printed)
Delivery
  --batch-size <n>            events per request (1..10000)        default 50 (1000 with --backfill)
  --flush-interval <d>        send a partial batch after d         default 2s
  --concurrency <n>           requests in flight                   default 1 (4 with --backfill)
  --buffer <n>                most unsent events held; generation waits beyond it   default 20000
Scenarios (repeat --scenario or give a comma list; env GENERATOR_SCENARIOS)
  --scenario ctr-drop         degrade one campaign in alternating phases
      --ctr-drop-campaign <id>        default camp_meta_prospecting
      --ctr-drop-factor <f>           ctr multiplier when degraded, default 0.55
      --ctr-drop-signup-factor <f>    click→signup multiplier when degraded, default 0.7
      --ctr-drop-phase <d>            length of each normal/degraded phase, default 10m
  --scenario late             some journeys arrive with timestamps minutes to hours old
      --late-fraction <f>             default 0.05
      --late-max <d>                  oldest delay, default 3h (newest: 1m)
  --scenario duplicates       some events are sent twice (idempotency)
      --duplicate-fraction <f>        default 0.02
History
  --backfill <d>              write d of history (e.g. 7d) quickly, with a daily traffic shape, then exit
  --backfill-rate <n>         journeys per simulated second during the backfill, default 2
Output
  --status-interval <d>       status line period (info level), default 60s
  -h, --help                  this text

Durations: a number with s, m, h or d (plain numbers are seconds). Ctrl-C sends what is buffered, then prints a summary.`;

/** Every flag (each must appear in HELP: a test checks). */
export const FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  campaigns: { type: 'string' },
  users: { type: 'string' },
  seed: { type: 'string' },
  'batch-size': { type: 'string' },
  'flush-interval': { type: 'string' },
  concurrency: { type: 'string' },
  buffer: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  'ctr-drop-campaign': { type: 'string' },
  'ctr-drop-factor': { type: 'string' },
  'ctr-drop-signup-factor': { type: 'string' },
  'ctr-drop-phase': { type: 'string' },
  'late-fraction': { type: 'string' },
  'late-max': { type: 'string' },
  'duplicate-fraction': { type: 'string' },
  backfill: { type: 'string' },
  'backfill-rate': { type: 'string' },
  'status-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `10m`, `2s`, `7d`, `1.5h`, or plain seconds, into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 30s, 10m, 2h, 7d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    (match[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(match[1]) * unit;
}

function number(name: string, text: string, { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = {}): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(
      `--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Options from flags, then the (validated) environment, then defaults. */
export function parseOptions(argv: string[], env: GeneratorEnv): GeneratorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: FLAGS,
  });
  const backfillMs = values.backfill ? parseDuration(values.backfill) : 0;
  const scenarioList = (values.scenario ?? env.GENERATOR_SCENARIOS ?? [])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  for (const scenario of scenarioList) {
    if (!(SCENARIOS as readonly string[]).includes(scenario)) {
      throw new Error(`unknown scenario ${JSON.stringify(scenario)}; known: ${SCENARIOS.join(', ')}`);
    }
  }
  return {
    url: values.url ?? env.API_URL ?? 'http://localhost:8000',
    token: values.token ?? (env.INGEST_TOKEN || undefined),
    rate: values.rate !== undefined ? number('rate', values.rate, { min: 0.001 }) : (env.GENERATOR_RATE ?? 20),
    durationMs: values.duration !== undefined ? parseDuration(values.duration) : (env.GENERATOR_DURATION ?? 0),
    batchSize: number('batch-size', values['batch-size'] ?? (backfillMs ? '1000' : '50'), {
      min: 1,
      max: MAX_BATCH_SIZE,
      integer: true,
    }),
    flushIntervalMs: parseDuration(values['flush-interval'] ?? '2s'),
    concurrency: number('concurrency', values.concurrency ?? (backfillMs ? '4' : '1'), {
      min: 1,
      max: 64,
      integer: true,
    }),
    maxBuffered: number('buffer', values.buffer ?? '20000', { min: 1, integer: true }),
    extraCampaigns:
      values.campaigns !== undefined
        ? number('campaigns', values.campaigns, { max: 10_000, integer: true })
        : (env.GENERATOR_CAMPAIGNS ?? 0),
    users: number('users', values.users ?? '2000', { min: 1, max: 100_000, integer: true }),
    seed:
      values.seed !== undefined
        ? number('seed', values.seed, { max: 0xffff_ffff, integer: true })
        : (env.GENERATOR_SEED ?? Math.floor(Math.random() * 0xffff_ffff)),
    scenarios: new Set(scenarioList as Scenario[]),
    ctrDropCampaign: values['ctr-drop-campaign'] ?? 'camp_meta_prospecting',
    ctrDropFactor: number('ctr-drop-factor', values['ctr-drop-factor'] ?? '0.55', { max: 1 }),
    ctrDropSignupFactor: number('ctr-drop-signup-factor', values['ctr-drop-signup-factor'] ?? '0.7', { max: 1 }),
    ctrDropPhaseMs: parseDuration(values['ctr-drop-phase'] ?? '10m'),
    lateFraction: number('late-fraction', values['late-fraction'] ?? '0.05', { max: 1 }),
    lateMaxMs: parseDuration(values['late-max'] ?? '3h'),
    duplicateFraction: number('duplicate-fraction', values['duplicate-fraction'] ?? '0.02', { max: 1 }),
    backfillMs,
    backfillRate: number('backfill-rate', values['backfill-rate'] ?? '2', { min: 0.001 }),
    statusIntervalMs: parseDuration(values['status-interval'] ?? '60s'),
    help: values.help ?? false,
  };
}
