import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERT_METRIC_DESCRIPTIONS } from '@pmd/db';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';

/**
 * One definition of CPC everywhere, the ad platforms': average CPC = spend / clicks, spend being the cost of every
 * event (Google Ads and Meta report it so). A sentence that names CPC must say "spend / clicks" and must not tie it to
 * click cost (the old "click cost feeds CPC" of EventInput).
 */
const NAMES_CPC = /\bCPC\b|[Cc]ost per click/; // `cpc` in lower case names the field, not the formula

function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.;])\s+(?=[A-Z`])/)
    .filter((sentence) => NAMES_CPC.test(sentence.replace(/\b[A-Z_]*_CPC_[A-Z_]*\b|cpc_spike/g, '')));
}

function wrongSentences(where: string, text: string | null | undefined): string[] {
  return sentences(text ?? '')
    .filter((sentence) => !sentence.includes('spend / clicks') || /click cost/i.test(sentence))
    .map((sentence) => `${where}: ${sentence}`);
}

function schemaDescriptions(): [string, string | null | undefined][] {
  const found: [string, string | null | undefined][] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    found.push([type.name, type.description]);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        found.push([`${type.name}.${field.name}`, field.description]);
        for (const arg of 'args' in field ? field.args : [])
          found.push([`${type.name}.${field.name}(${arg.name})`, arg.description]);
      }
    }
    if (isEnumType(type))
      for (const value of type.getValues()) found.push([`${type.name}.${value.name}`, value.description]);
  }
  return found;
}

describe('CPC has one definition: spend / clicks', () => {
  it('the fields that define it say spend / clicks', () => {
    const description = (type: string, name: string) => {
      const named = schema.getType(type);
      if (isEnumType(named)) return named.getValue(name)?.description ?? '';
      if (isObjectType(named)) return named.getFields()[name]?.description ?? '';
      return '';
    };
    expect(description('KpiTotals', 'cpc')).toContain('spend / clicks');
    expect(description('BreakdownSort', 'CPC')).toContain('spend / clicks');
    expect(description('AlertMetric', 'CPC_SPIKE')).toContain('spend / clicks');
    expect(ALERT_METRIC_DESCRIPTIONS.cpc_spike).toContain('spend / clicks');
  });

  it('no schema description defines CPC otherwise (e.g. from click cost)', () => {
    expect(schemaDescriptions().flatMap(([where, text]) => wrongSentences(where, text))).toEqual([]);
  });

  it('nor do the READMEs', () => {
    const root = join(import.meta.dirname, '../../..');
    const readmes = ['README.md', 'server/README.md', 'worker/README.md', 'prisma/README.md', 'client/README.md'];
    const wrong = readmes.flatMap((path) => {
      let text: string;
      try {
        text = readFileSync(join(root, path), 'utf8');
      } catch {
        return [];
      }
      return wrongSentences(path, text);
    });
    expect(wrong).toEqual([]);
  });
});
