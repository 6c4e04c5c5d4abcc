import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATOR_ENV_VARIABLES } from '../generator/src/config.ts';
import { SERVER_ENV_VARIABLES } from '../server/src/config.ts';
import { WORKER_ENV_VARIABLES } from '../worker/src/config.ts';
import { START_ENV_VARIABLES } from './config.ts';

/**
 * The root README's environment table against the code, both ways: every variable a process reads is in the table
 * with that process under "used by", and every variable of the table is read by exactly the processes it names.
 */
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const matches = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((match) => match[1]!);

/** The dashboard is built by Vite, outside the config modules: its variables are found in its sources. */
function clientVariables(): { build: string[]; serve: string[] } {
  const build = new Set([
    ...matches(read('client/src/main.ts'), /import\.meta\.env\.(VITE_\w+)/g),
    ...matches(read('client/vite.config.ts'), /process\.env\.(\w+)/g),
  ]);
  return {
    build: [...build],
    serve: [...new Set(matches(read('client/package.json'), /\$\{(\w+):-/g))],
  };
}

const client = clientVariables();
const readers: Record<string, readonly string[]> = {
  server: SERVER_ENV_VARIABLES,
  worker: WORKER_ENV_VARIABLES,
  generator: GENERATOR_ENV_VARIABLES,
  start: START_ENV_VARIABLES,
  'client build': client.build,
  client: client.serve,
};

/** variable → the processes the README says read it. */
function readmeTable(): Map<string, string[]> {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Environment variables'));
  const rows = section
    .slice(0, section.indexOf('\n## ', 1))
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  const table = new Map<string, string[]>();
  for (const row of rows) {
    const [names, usedBy] = row.split('|').slice(1, 3);
    for (const name of matches(names!, /`([A-Z][A-Z0-9_]*)`/g)) {
      expect(table.has(name), `${name} is listed twice`).toBe(false);
      table.set(
        name,
        usedBy!
          .split(',')
          .map((item) => item.trim())
          .sort(),
      );
    }
  }
  return table;
}

function codeReaders(): Map<string, string[]> {
  const byVariable = new Map<string, string[]>();
  for (const [process, variables] of Object.entries(readers)) {
    for (const name of variables) byVariable.set(name, [...(byVariable.get(name) ?? []), process].sort());
  }
  return byVariable;
}

describe('README environment table', () => {
  const table = readmeTable();
  const code = codeReaders();

  it('finds the variables of every process', () => {
    for (const [process, variables] of Object.entries(readers)) expect(variables.length, process).toBeGreaterThan(0);
    expect(client.build).toEqual(expect.arrayContaining(['VITE_API_URL', 'VITE_READ_TOKEN', 'API_URL']));
    expect(client.serve).toEqual(['DASHBOARD_PORT']);
  });

  it('lists every variable a config module reads, and no variable nothing reads', () => {
    expect([...table.keys()].sort()).toEqual([...code.keys()].sort());
  });

  it('names the processes that read each variable', () => {
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(code));
  });

  it("package READMEs' environment paragraphs name no variable outside the table", () => {
    for (const readme of ['server/README.md', 'worker/README.md', 'generator/README.md', 'scripts/README.md']) {
      const text = read(readme);
      const start = text.search(/^(## )?Environment/m);
      expect(start, `${readme} has an environment paragraph`).toBeGreaterThanOrEqual(0);
      const paragraph = text
        .slice(start)
        .replace(/^## Environment\n+/, '')
        .split('\n\n')[0]!;
      for (const name of matches(paragraph, /`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`/g)) {
        expect(table.has(name), `${readme} names ${name}`).toBe(true);
      }
    }
  });
});
