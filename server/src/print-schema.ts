import { writeFile } from 'node:fs/promises';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema/index.ts';

/** The committed SDL, printed from the Pothos schema (`pnpm --filter @pmd/server print-schema`). */
export const SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(SCHEMA_FILE, printedSchema());
}
