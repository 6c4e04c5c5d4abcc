import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../src/testing.ts';
import { parsePrismaSchema, type ParsedModel } from './prisma-schema.ts';

const schemaPath = path.resolve(import.meta.dirname, '../schema.prisma');

interface LiveColumn {
  table_name: string;
  column_name: string;
  sql_type: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

async function readLiveSchema(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<LiveColumn>(`
      SELECT c.table_name, c.column_name, c.is_nullable, c.column_default,
             format_type(a.atttypid, a.atttypmod) AS sql_type
      FROM information_schema.columns c
      JOIN pg_attribute a ON a.attrelid = format('public.%I', c.table_name)::regclass AND a.attname = c.column_name
      JOIN pg_class t ON t.oid = a.attrelid
      -- A partition is its parent table's storage, not a table of its own.
      WHERE c.table_schema = 'public' AND c.table_name <> '_prisma_migrations' AND NOT t.relispartition`);
    const indexes = await client.query<{
      table_name: string;
      index_name: string;
      columns: string[];
      is_primary: boolean;
    }>(`
      SELECT t.relname AS table_name, i.relname AS index_name, ix.indisprimary AS is_primary,
             array_agg(a.attname::text ORDER BY k.ord) AS columns
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid
      JOIN pg_class t ON t.oid = ix.indrelid AND NOT t.relispartition
      JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
      CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      GROUP BY t.relname, i.relname, ix.indisprimary`);
    return { columns: columns.rows, indexes: indexes.rows };
  } finally {
    await client.end();
  }
}

/** Every difference between the Prisma schema and the database, as readable lines (empty when they agree). */
function compare(models: ParsedModel[], live: Awaited<ReturnType<typeof readLiveSchema>>): string[] {
  const problems: string[] = [];
  const liveTables = new Set(live.columns.map((column) => column.table_name));
  for (const model of models) {
    if (!liveTables.has(model.table)) {
      problems.push(`table ${model.table} (model ${model.model}) is missing from the database`);
      continue;
    }
    const liveColumns = live.columns.filter((column) => column.table_name === model.table);
    for (const column of model.columns) {
      const found = liveColumns.find((candidate) => candidate.column_name === column.column);
      const where = `${model.table}.${column.column}`;
      if (!found) {
        problems.push(`column ${where} (field ${model.model}.${column.field}) is missing from the database`);
        continue;
      }
      if (found.sql_type !== column.sqlType)
        problems.push(`${where}: schema says ${column.sqlType}, database has ${found.sql_type}`);
      if ((found.is_nullable === 'YES') !== column.nullable) problems.push(`${where}: nullability differs`);
      if ((found.column_default !== null) !== column.hasDefault) problems.push(`${where}: default differs`);
    }
    for (const column of liveColumns) {
      if (!model.columns.some((candidate) => candidate.column === column.column_name)) {
        problems.push(`column ${model.table}.${column.column_name} is in the database but not in schema.prisma`);
      }
    }
    const primary = live.indexes.find((index) => index.table_name === model.table && index.is_primary);
    if (JSON.stringify(primary?.columns ?? []) !== JSON.stringify(model.primaryKey)) {
      problems.push(
        `${model.table}: primary key (${model.primaryKey}) differs from the database's (${primary?.columns})`,
      );
    }
    for (const [name, columns] of model.indexes) {
      const index = live.indexes.find((candidate) => candidate.index_name === name);
      if (!index) problems.push(`index ${name} on ${model.table} is missing from the database`);
      else if (JSON.stringify(index.columns) !== JSON.stringify(columns))
        problems.push(`index ${name}: columns differ`);
    }
  }
  for (const table of liveTables) {
    if (!models.some((model) => model.table === table))
      problems.push(`table ${table} is in the database but not in schema.prisma`);
  }
  return problems;
}

describe('schema.prisma and the migrated database', () => {
  const database = useTestDatabase();

  it('agree on every table, column, type, nullability, default, primary key and index', async () => {
    const models = parsePrismaSchema(await readFile(schemaPath, 'utf8'));
    expect(models.length).toBeGreaterThanOrEqual(8);
    expect(compare(models, await readLiveSchema(database.url))).toEqual([]);
  });

  it('reports a field added to schema.prisma without a migration', async () => {
    const source = await readFile(schemaPath, 'utf8');
    const edited = source.replace(
      /(model Alert \{\n)/,
      '$1  mutedUntil DateTime? @map("muted_until") @db.Timestamptz(6)\n',
    );
    const problems = compare(parsePrismaSchema(edited), await readLiveSchema(database.url));
    expect(problems).toEqual(['column alerts.muted_until (field Alert.mutedUntil) is missing from the database']);
  });

  it('keeps the SQL-only rules Prisma cannot express: one open alert per rule, campaign and channel', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const insert = `INSERT INTO alerts (rule_id, campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
                      SELECT id, 'c', 'meta', 'ctr_drop', 0.01, 0.03, 0.021, 'drop' FROM alert_rules WHERE metric = 'ctr_drop'`;
      await client.query(insert);
      await expect(client.query(insert)).rejects.toThrow(/alerts_one_open_per_rule_idx/);
      await expect(
        client.query(`INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
                      VALUES ('e1', now(), 'u', 'c', 'meta', 'impression', 0)`),
      ).rejects.toThrow(/raw_events_event_type_check/);
    } finally {
      await client.end();
    }
  });
});
