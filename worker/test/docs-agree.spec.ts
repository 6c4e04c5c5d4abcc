import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What the schema, the NOTIFY payload types and the crontab say about the worker must be what the worker does. */
const ROOT = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The description of `type.field` in the printed schema (one line, whitespace collapsed). */
function fieldDescription(sdl: string, type: string, field: string): string {
  const block = new RegExp(`\\ntype ${type} [^{]*\\{([\\s\\S]*?)\\n\\}`).exec(sdl)?.[1] ?? '';
  const match = new RegExp(`"""([\\s\\S]*?)"""\\s*\\n\\s*${field}[(:]`).exec(block);
  return (match?.[1] ?? '').replace(/\s+/g, ' ').trim();
}

describe('docs agree with the worker', () => {
  const sdl = read('server/schema.graphql');

  it("Alert.currentValue names the windows it rests on, refreshed while open (not the original's last hour)", () => {
    const description = fieldDescription(sdl, 'Alert', 'currentValue');
    expect(description).toContain('[windowStart, windowEnd)');
    expect(description).toMatch(/refreshed every run while open/);
    expect(description).not.toMatch(/last hour/i);
    expect(fieldDescription(sdl, 'Alert', 'baselineValue')).toContain('[baselineStart, windowStart)');
    expect(fieldDescription(sdl, 'Alert', 'worstValue')).toMatch(/worst value while the alert was open/);
  });

  it('a rollup notification counts the buckets that changed (the SQL returns only changed rows)', () => {
    expect(fieldDescription(sdl, 'MetricsUpdate', 'buckets')).toMatch(/changed/);
    expect(fieldDescription(sdl, 'MetricsUpdate', 'buckets')).not.toMatch(/^Buckets recomputed/);
    const notifyDoc = /\/\*\*([^*]*(?:\*(?!\/)[^*]*)*)\*\/\s*\n\s*buckets: z\./.exec(read('domain/src/notify.ts'))?.[1];
    expect(notifyDoc).toMatch(/changed/);
    expect(notifyDoc).not.toMatch(/recomputed by the run/);
  });

  it('crontab and recordTaskRun agree: with max=1 a failed run is not retried, the next tick runs', () => {
    const crontab = read('worker/crontab');
    const lines = crontab.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/[?&]max=1(&|$)/);
    const taskRuns = read('worker/src/lib/task-runs.ts');
    for (const text of [crontab, taskRuns, read('worker/README.md')]) {
      expect(text).toMatch(/not\s+(?:\*\s+)?retried/);
      expect(text).not.toMatch(/so graphile-worker retries/);
    }
  });
});
