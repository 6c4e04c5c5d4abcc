import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../src/print-schema.ts';

describe('server/schema.graphql', () => {
  it('is the printed Pothos schema (run `pnpm --filter @pmd/server print-schema` after changing the schema)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });
});
