import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVICES = join(import.meta.dirname, '../src/services');
/** What only the GraphQL door may know: the schema layer, the Pothos builder, graphql-js and Yoga. */
const GRAPHQL_IMPORT = /^(?:graphql|graphql-yoga|graphql-ws|@pothos\/.*|\.\.\/schema\/.*|\.\.\/builder\.ts)$/;

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map(
    (match) => (match[1] ?? match[2])!,
  );
}

describe('layers', () => {
  it('services import nothing of GraphQL (REST and GraphQL both call them)', () => {
    const offending = readdirSync(SERVICES)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        importsOf(readFileSync(join(SERVICES, file), 'utf8'))
          .filter((specifier) => GRAPHQL_IMPORT.test(specifier))
          .map((specifier) => `${file} imports ${specifier}`),
      );
    expect(offending).toEqual([]);
  });
});
