import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_EMBEDDED_PORT, envTypes, parseEnv, readCommonConfig } from './env.ts';

describe('parseEnv', () => {
  const shape = {
    COUNT: envTypes.positiveInteger().default(3),
    SHARE: envTypes.ratio().optional(),
    MODE: envTypes.oneOf(['a', 'b']).default('a'),
  };

  it('applies defaults, treats an empty value as unset, and converts', () => {
    expect(parseEnv(shape, {})).toEqual({ COUNT: 3, MODE: 'a' });
    expect(parseEnv(shape, { COUNT: '', SHARE: '0.25', MODE: 'b', OTHER: 'ignored' })).toEqual({
      COUNT: 3,
      SHARE: 0.25,
      MODE: 'b',
    });
  });

  it('names every bad variable with why, in one error', () => {
    const error = (() => {
      try {
        parseEnv(shape, { COUNT: '2.5', SHARE: 'abc', MODE: 'c' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['COUNT', 'SHARE', 'MODE']);
    expect((error as ConfigError).message).toBe(
      [
        'invalid configuration (3 bad variables):',
        '  COUNT must be a positive integer, got "2.5"',
        '  SHARE must be a ratio from 0 to 1, got "abc"',
        '  MODE must be one of a, b, got "c"',
      ].join('\n'),
    );
  });

  it('reports unknown variables with a prefix the process owns, alongside bad values', () => {
    expect(() => parseEnv(shape, { COUNTS: '4', COUNT: 'x', OTHER_COUNT: '1' }, { ownedPrefixes: ['COUNT'] })).toThrow(
      'invalid configuration (2 bad variables):\n  COUNT must be a positive integer, got "x"\n  COUNTS is not a known variable (known: COUNT)',
    );
  });

  it('refuses variables of a retired prefix, saying where the setting went, alongside bad values', () => {
    expect(() =>
      parseEnv(
        shape,
        { OLD_B: '1', COUNT: 'x', OLD_A: '2', OLD_EMPTY: '' },
        { retiredPrefixes: { OLD_: 'moved to Y' } },
      ),
    ).toThrow(
      'invalid configuration (3 bad variables):\n  COUNT must be a positive integer, got "x"\n  OLD_A moved to Y\n  OLD_B moved to Y',
    );
    expect(parseEnv(shape, { OLD_EMPTY: '' }, { retiredPrefixes: { OLD_: 'moved to Y' } })).toMatchObject({});
  });

  it('refuses what Number() would turn into NaN, Infinity or a silent 0', () => {
    for (const bad of ['50k', 'NaN', '1e400', ' ', '0x', '-1', '0']) {
      expect(() => parseEnv(shape, { COUNT: bad })).toThrow(/COUNT must be a positive integer/);
    }
  });
});

describe('the shared variables', () => {
  it('defaults to the embedded database and pretty logs (silent under vitest)', () => {
    expect(readCommonConfig({})).toMatchObject({
      database: { url: undefined, embeddedPort: DEFAULT_EMBEDDED_PORT },
      log: { format: 'pretty', level: 'info', production: false },
    });
    expect(readCommonConfig({ VITEST: 'true', NODE_ENV: 'production' }).log).toEqual({
      format: 'json',
      level: 'silent',
      production: true,
    });
  });

  it('refuses a bad database URL, port, log format or level', () => {
    expect(() =>
      readCommonConfig({
        DATABASE_URL: 'localhost:5432',
        EMBEDDED_PG_PORT: '99999',
        LOG_FORMAT: 'xml',
        LOG_LEVEL: 'loud',
      }),
    ).toThrow(
      /DATABASE_URL must be a postgres: or postgresql: URL[^]*EMBEDDED_PG_PORT must be a port[^]*LOG_FORMAT must be one of pretty, json[^]*LOG_LEVEL must be one of/,
    );
  });
});
