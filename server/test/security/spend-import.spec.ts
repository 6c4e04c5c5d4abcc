import { MAX_SPEND_IMPORT_BYTES, MAX_SPEND_IMPORT_ROWS } from '@pmd/domain';
import { describe, expect, it } from 'vitest';
import { scopesOf } from '../../src/services/access.ts';
import { expectRefusedWhileStreaming, postJson, send, upload } from './testkit/http.ts';
import {
  expectNoInternals,
  expectServerFine,
  INGEST_TOKEN,
  ingestAuth,
  READ_TOKEN,
  readAuth,
  useSecurityServer,
} from './testkit/server.ts';
import { IMPORT_SPEND as IMPORT } from '../testkit/spend-import.ts';

// Spend imports are a new door (GraphQL importSpend, REST POST /spend): the ingester scope (the admin token grants
// it too) is checked before any body byte; uploads are bounded in bytes and rows before parsing; bad input is
// answered with clear errors by line, never a stack trace.
const ADMIN_TOKEN = 'security-admin-token';
const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const server = useSecurityServer({ ADMIN_TOKEN });

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await postJson(server.baseUrl, '/graphql', { query, variables }, headers);
  expectNoInternals(response.body);
  return { status: response.status, body: JSON.parse(response.body) };
}

function postCsv(csv: string | Buffer, headers: Record<string, string>, query = '') {
  return send(server.baseUrl, {
    path: `/spend${query}`,
    headers: { 'content-type': 'text/csv', ...headers },
    body: typeof csv === 'string' ? Buffer.from(csv) : csv,
  });
}

const importCount = async () => (await server.sql('SELECT count(*)::int AS n FROM spend_imports'))[0].n as number;
const CSV = 'date,campaign_id,channel,spend\n2026-11-20,camp_sec,google,10.5\n2026-11-21,camp_sec,google,11\n';

describe('who may import spend', () => {
  it('the admin token grants ingester; an unset ADMIN_TOKEN opens neither ingest nor reads', () => {
    const config = {
      readToken: READ_TOKEN,
      ingestToken: INGEST_TOKEN,
      metricsToken: undefined,
      adminToken: ADMIN_TOKEN,
    };
    expect(scopesOf(config, adminAuth.authorization)).toMatchObject({ reader: true, ingester: true, admin: true });
    expect(scopesOf(config, readAuth.authorization)).toMatchObject({ reader: true, ingester: false, admin: false });
    const open = scopesOf({ ...config, adminToken: undefined }, undefined);
    expect(open).toMatchObject({ reader: false, ingester: false, admin: true });
  });

  it('refuses POST /spend without a token (401) while the body still streams, and with the read token', async () => {
    const total = 1024 * 1024;
    const result = await upload(server.baseUrl, {
      path: '/spend',
      headers: { 'content-type': 'text/csv' },
      chunk: Buffer.alloc(16 * 1024, 'a'),
      totalBytes: total,
      contentLength: total,
    });
    expectRefusedWhileStreaming(result, 401, total, 'no token');
    expectNoInternals(result.body);
    const withReadToken = await postCsv(CSV, readAuth);
    expect(withReadToken.status).toBe(401);
    expect(JSON.parse(withReadToken.body).detail).toContain('INGEST_TOKEN');
    const graphqlWithReadToken = await gql(IMPORT, { csv: CSV }, readAuth);
    expect(graphqlWithReadToken.body.data ?? null).toBeNull();
    expect(graphqlWithReadToken.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await importCount()).toBe(0);
  });

  it('spendImports needs the reader scope; the ingest token alone does not read', async () => {
    const denied = await gql('{ spendImports { campaignId } }', {}, ingestAuth);
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const allowed = await gql('{ spendImports { campaignId } }', {}, readAuth);
    expect(allowed.body).toEqual({ data: { spendImports: [] } });
  });

  it('the ingest and the admin token both import, on both doors, with the same result', async () => {
    const stored = () =>
      server.sql(
        `SELECT campaign_id, channel, period_start, period_end, granularity, time_zone, spend::text, clicks
         FROM spend_imports ORDER BY campaign_id, channel, period_start`,
      );
    const csv = `${CSV}2026-11-22,camp_sec,google,-5\n`;
    const rest = await postCsv(csv, ingestAuth, '?time_zone=UTC');
    expect(rest.status).toBe(200);
    const restResult = JSON.parse(rest.body);
    expect(restResult).toMatchObject({ stored: 2, replaced: 0, rejected: 1 });
    const afterRest = await stored();
    expect(afterRest).toHaveLength(2);

    const viaGraphql = await gql(IMPORT, { csv, timeZone: 'UTC' }, adminAuth);
    expect(viaGraphql.body.data.importSpend).toEqual({
      __typename: 'SpendImportResult',
      stored: 2,
      replaced: 2,
      rejected: 1,
      timeZone: 'UTC',
      errors: restResult.errors,
    });
    expect(await stored()).toEqual(afterRest);

    // Rows instead of CSV, on both doors (REST in snake_case, as an array or {"rows": [...]}).
    const rows = [
      { date: '2026-11-20', campaignId: 'camp_sec', channel: 'google', spend: 10.5 },
      { date: '2026-11-21', campaignId: 'camp_sec', channel: 'google', spend: 11 },
    ];
    const graphqlRows = await gql(IMPORT, { rows, timeZone: 'UTC' }, ingestAuth);
    expect(graphqlRows.body.data.importSpend).toMatchObject({ stored: 2, replaced: 2, rejected: 0, errors: [] });
    const json = rows.map(({ campaignId, ...rest }) => ({ ...rest, campaign_id: campaignId }));
    for (const body of [json, { rows: json }]) {
      const restJson = await postJson(server.baseUrl, '/spend?time_zone=UTC', body, adminAuth);
      expect(JSON.parse(restJson.body)).toMatchObject({ stored: 2, replaced: 2, rejected: 0, errors: [] });
    }
    expect(await stored()).toEqual(afterRest);
  });
});

describe('uploads are bounded and bad input is answered clearly', () => {
  it(`refuses a body over ${MAX_SPEND_IMPORT_BYTES} bytes with 413, declared or streamed`, async () => {
    const declared = 3 * 1024 * 1024;
    const result = await upload(server.baseUrl, {
      path: '/spend',
      headers: { ...ingestAuth, 'content-type': 'text/csv' },
      chunk: Buffer.alloc(64 * 1024, 'a'),
      totalBytes: declared,
      contentLength: declared,
    });
    expectRefusedWhileStreaming(result, 413, declared, 'declared 3 MiB');
    const streamed = await upload(server.baseUrl, {
      path: '/spend',
      headers: { ...ingestAuth, 'content-type': 'text/csv' },
      chunk: Buffer.alloc(64 * 1024, 'a'),
      totalBytes: 8 * 1024 * 1024,
    });
    expect(streamed.status).toBe(413);
    expectNoInternals(streamed.body);
    // GraphQL: a CSV argument over the limit is refused before it is parsed.
    const big = `date,campaign_id,channel,spend\n${'2026-11-20,c,g,1\n'.repeat(MAX_SPEND_IMPORT_BYTES / 16 + 10)}`;
    const viaGraphql = await gql(IMPORT, { csv: big }, ingestAuth);
    expect(viaGraphql.body.data.importSpend).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'csv' });
  });

  it(`refuses more than ${MAX_SPEND_IMPORT_ROWS} rows whole (413 on REST), storing nothing`, async () => {
    const before = await importCount();
    const lines = Array.from({ length: MAX_SPEND_IMPORT_ROWS + 1 }, (_, i) => `2026-01-01,camp_many_${i},g,1`);
    const csv = `date,campaign_id,channel,spend\n${lines.join('\n')}`;
    const rest = await postCsv(csv, ingestAuth);
    expect(rest.status).toBe(413);
    expect(JSON.parse(rest.body).detail).toContain(String(MAX_SPEND_IMPORT_ROWS));
    const viaGraphql = await gql(IMPORT, { csv }, ingestAuth);
    expect(viaGraphql.body.data.importSpend).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'rows' });
    expect(await importCount()).toBe(before);
  });

  it('refuses unreadable uploads with 422 and a reason; reports bad rows by line and stores the rest', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['bad header', 'when,campaign_id,channel,spend\n2026-11-20,c,g,1', /header/],
      ['date and hour', 'date,hour,campaign_id,channel,spend\n', /exactly one of date and hour/],
      ['unclosed quote', 'date,campaign_id,channel,spend\n2026-11-20,"c,g,1\n', /never closed/],
      [
        'invalid UTF-8',
        Buffer.from([...Buffer.from('date,campaign_id,channel,spend\n2026-11-20,'), 0xff, 0x0a]),
        /UTF-8/,
      ],
    ];
    for (const [label, body, reason] of cases) {
      const response = await postCsv(body, ingestAuth);
      expect(response.status, label).toBe(422);
      expectNoInternals(response.body);
      expect(response.body, label).toMatch(reason);
    }
    const zone = await postCsv(CSV, ingestAuth, '?time_zone=Mars/Olympus');
    expect(zone.status).toBe(422);
    expect(JSON.parse(zone.body)).toMatchObject({ argument: 'timeZone' });

    const mixed = [
      'hour,campaign_id,channel,spend,clicks',
      '2026-11-20T10:00,camp_lines,google,1.5,3',
      '2026-11-20T25:00,camp_lines,google,1,',
      '2026-11-20T11:00,,google,1,',
      `2026-11-20T12:00,${'x'.repeat(129)},google,1,`,
      '2026-11-20T13:00,camp_lines,google,1e3,',
      '2026-11-20T14:00,camp_lines,google,1.1234567,',
      '2026-11-20T15:00,camp_lines,google,NaN,',
      '2026-11-20T16:00,camp_lines,google,2,-1',
      '2026-11-20T17:00,camp_lines,google,2,1.5',
      '2026-11-20T18:00,camp_lines,google,2000000000,',
      '2026-11-20T19:00,camp_lines,google,2',
      '2026-11-20T20:00,"camp_lines",google,"2.5",',
    ].join('\n');
    const response = await postCsv(mixed, ingestAuth, '?time_zone=UTC');
    expect(response.status).toBe(200);
    const result = JSON.parse(response.body);
    expect(result).toMatchObject({ stored: 2, rejected: 10 });
    expect(result.errors.map((e: { line: number; field: string | null }) => [e.line, e.field])).toEqual([
      [2, 'hour'],
      [3, 'campaignId'],
      [4, 'campaignId'],
      [5, 'spend'],
      [6, 'spend'],
      [7, 'spend'],
      [8, 'clicks'],
      [9, 'clicks'],
      [10, 'spend'],
      [11, null],
    ]);
    const stored = await server.sql(
      `SELECT spend::text, clicks FROM spend_imports WHERE campaign_id = 'camp_lines' ORDER BY period_start`,
    );
    expect(stored).toEqual([
      { spend: '1.500000', clicks: 3 },
      { spend: '2.500000', clicks: null },
    ]);

    const nothing = await postCsv('date,campaign_id,channel,spend\n2026-11-20,c,g,-1\n', ingestAuth);
    expect(nothing.status).toBe(422);
    expect(JSON.parse(nothing.body)).toMatchObject({ stored: 0, rejected: 1 });
    const notJson = await send(server.baseUrl, {
      path: '/spend',
      headers: { ...ingestAuth, 'content-type': 'application/json' },
      body: '{"rows": 5}',
    });
    expect(notJson.status).toBe(422);
    expectNoInternals(notJson.body);
  });

  it('the server stays up and within its memory cap', async () => {
    await expectServerFine(server, 'spend import abuse');
  });
});
