import { describe, expect, it } from 'vitest';
import { readGeneratorEnv } from './config.ts';
import { FLAGS, HELP, parseDuration, parseOptions } from './options.ts';

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['2s', 2_000],
    ['10m', 600_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['250ms', 250],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('refuses what is not a duration', () => {
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(() => parseDuration('-5s')).toThrow(/not a duration/);
  });
});

describe('parseOptions', () => {
  it('defaults to the original generator against the local API', () => {
    const options = parseOptions([], {});
    expect(options).toMatchObject({
      url: 'http://localhost:8000',
      token: undefined,
      rate: 20,
      durationMs: 0,
      batchSize: 50,
      flushIntervalMs: 2000,
      concurrency: 1,
      users: 2000,
      extraCampaigns: 0,
      backfillMs: 0,
    });
    expect(options.scenarios.size).toBe(0);
  });

  it('reads API_URL, INGEST_TOKEN and GENERATOR_* from the environment, flags winning', () => {
    const env = {
      API_URL: 'http://api:9000',
      INGEST_TOKEN: 'tok',
      GENERATOR_RATE: '5',
      GENERATOR_SCENARIOS: 'late',
      GENERATOR_SEED: '9',
    };
    const parsed = readGeneratorEnv(env);
    expect(parseOptions([], parsed)).toMatchObject({ url: 'http://api:9000', token: 'tok', rate: 5, seed: 9 });
    expect(parseOptions(['--rate', '7', '--url', 'http://x'], parsed)).toMatchObject({ url: 'http://x', rate: 7 });
    expect([...parseOptions([], parsed).scenarios]).toEqual(['late']);
  });

  it('takes scenarios as a list or repeated, and refuses unknown ones', () => {
    const options = parseOptions(
      ['--scenario', 'ctr-drop,late', '--scenario', 'duplicates', '--ctr-drop-phase', '15m'],
      {},
    );
    expect([...options.scenarios]).toEqual(['ctr-drop', 'late', 'duplicates']);
    expect(options.ctrDropPhaseMs).toBe(900_000);
    expect(() => parseOptions(['--scenario', 'chaos'], {})).toThrow(/unknown scenario/);
  });

  it('uses big batches and 4 requests in flight for a backfill unless told otherwise', () => {
    expect(parseOptions(['--backfill', '7d'], {})).toMatchObject({
      backfillMs: 604_800_000,
      batchSize: 1000,
      concurrency: 4,
    });
    expect(parseOptions(['--backfill', '7d', '--batch-size', '200'], {})).toMatchObject({ batchSize: 200 });
  });

  it('refuses bad numbers and unknown flags', () => {
    expect(() => parseOptions(['--batch-size', '20000'], {})).toThrow(/batch-size/);
    expect(() => parseOptions(['--rate', 'fast'], {})).toThrow(/--rate/);
    expect(() => parseOptions(['--turbo'], {})).toThrow();
  });

  it('documents every flag in --help', () => {
    for (const flag of Object.keys(FLAGS)) expect(HELP).toContain(`--${flag}`);
  });
});

describe('the generator environment', () => {
  it('refuses bad values at start, naming every bad variable', () => {
    const bad = {
      GENERATOR_RATE: 'fast',
      GENERATOR_DURATION: 'forever',
      GENERATOR_CAMPAIGNS: '-1',
      GENERATOR_SEED: '1.5',
      GENERATOR_SCENARIOS: 'late,chaos',
      API_URL: 'localhost:8000',
      LOG_LEVEL: 'loud',
    };
    let message = '';
    try {
      readGeneratorEnv(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of Object.keys(bad)) expect(message).toMatch(new RegExp(`^  ${name} must be`, 'm'));
  });

  it('reads durations and scenario lists', () => {
    expect(readGeneratorEnv({ GENERATOR_DURATION: '90s', GENERATOR_SCENARIOS: ' late, duplicates ' })).toMatchObject({
      GENERATOR_DURATION: 90_000,
      GENERATOR_SCENARIOS: ['late', 'duplicates'],
    });
  });
});
