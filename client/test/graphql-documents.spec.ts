import { METRIC_NAMES, type MetricName } from '@pmd/domain';
import { Kind, type DocumentNode, type FieldNode, type SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  CampaignHistoryTable_PointFragmentDoc,
  CampaignIndexTable_RowFragmentDoc,
  CampaignPageHistoryDocument,
  CampaignTable_RowFragmentDoc,
  KpiCardGrid_OverviewFragmentDoc,
} from '@/gql/graphql.ts';
import {
  CAMPAIGN_INDEX_METRICS,
  CAMPAIGN_TABLE_METRICS,
  NOT_IN_CAMPAIGN_TABLE,
  NOT_IN_ROLLUP_TABLE,
  NOT_ON_CARDS,
} from '@/lib/dashboard-metrics.ts';

/**
 * The typed documents name their fields one by one (so their types are exact); these tests make sure none forgets a
 * registry metric a surface shows. Adding a metric to the registry makes them fail until the documents select it.
 */

/** The field names selected at `path` (fields, fragments spread inline followed) of the document's first definition. */
function fieldsAt(document: DocumentNode, path: readonly string[]): Set<string> {
  const definition = document.definitions[0];
  if (!definition || !('selectionSet' in definition) || !definition.selectionSet) throw new Error('no selection set');
  let selections: SelectionSetNode = definition.selectionSet;
  for (const step of path) {
    const next = allFields(selections).find((field) => field.name.value === step)?.selectionSet;
    if (!next) throw new Error(`no selection at ${path.join('.')}`);
    selections = next;
  }
  return new Set(allFields(selections).map((field) => field.name.value));
}

function allFields(set: SelectionSetNode): FieldNode[] {
  return set.selections.flatMap((selection) =>
    selection.kind === Kind.FIELD
      ? [selection]
      : selection.kind === Kind.INLINE_FRAGMENT
        ? allFields(selection.selectionSet)
        : [],
  );
}

/** Registry metrics a document does not select although the surface does not leave them out. */
function forgotten(selected: Set<string>, leftOut: readonly MetricName[]): MetricName[] {
  return METRIC_NAMES.filter((name) => !selected.has(name) && !leftOut.includes(name));
}

describe('GraphQL documents select every registry metric the dashboard shows', () => {
  it('KpiCardGrid_Overview: every card metric, and changes (a list of every metric) with what a card tells', () => {
    expect(forgotten(fieldsAt(KpiCardGrid_OverviewFragmentDoc, ['current']), NOT_ON_CARDS)).toEqual([]);
    expect([...fieldsAt(KpiCardGrid_OverviewFragmentDoc, ['changes'])]).toEqual(
      expect.arrayContaining(['metric', 'absolute', 'relative', 'unit', 'direction', 'good']),
    );
  });

  it('CampaignTable_Row: every column metric', () => {
    expect(forgotten(fieldsAt(CampaignTable_RowFragmentDoc, ['totals']), NOT_IN_CAMPAIGN_TABLE)).toEqual([]);
    expect(CAMPAIGN_TABLE_METRICS.length).toBeGreaterThan(0);
  });

  it('CampaignHistoryTable_Point and the campaign chart: every metric of the history table', () => {
    expect(forgotten(fieldsAt(CampaignHistoryTable_PointFragmentDoc, ['totals']), NOT_IN_ROLLUP_TABLE)).toEqual([]);
    expect(
      forgotten(fieldsAt(CampaignPageHistoryDocument, ['timeSeries', 'points', 'totals']), NOT_IN_ROLLUP_TABLE),
    ).toEqual([]);
  });

  it('CampaignIndexTable_Row: every index column metric', () => {
    const selected = fieldsAt(CampaignIndexTable_RowFragmentDoc, ['totals']);
    expect(CAMPAIGN_INDEX_METRICS.filter((name) => !selected.has(name))).toEqual([]);
  });

  it('notices a forgotten metric', () => {
    const selected = fieldsAt(KpiCardGrid_OverviewFragmentDoc, ['current']);
    selected.delete('ctr');
    expect(forgotten(selected, NOT_ON_CARDS)).toContain('ctr');
  });
});
