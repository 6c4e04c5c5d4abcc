import { MAX_SPEND_IMPORT_BYTES, MAX_SPEND_IMPORT_ROWS } from '@pmd/domain';
import { builder } from '../builder.ts';
import { importSpend, type SpendImportResult, type SpendRowError } from '../services/spend-import.ts';
import { InvalidArgumentError } from './error.ts';

const MAX_LIST = 1000;

export const SpendImportRef = builder.prismaObject('SpendImport', {
  description:
    "Spend an ad platform reported for one campaign, channel and local hour or day; it counts at the period's start, for campaigns whose spend source is IMPORTS.",
  fields: (t) => ({
    campaignId: t.exposeString('campaignId', { description: 'The campaign.' }),
    channel: t.exposeString('channel', { description: 'The channel.' }),
    granularity: t.exposeString('granularity', { description: '`hour` or `day`.' }),
    periodStart: t.expose('periodStart', { type: 'DateTime', description: 'Start of the local hour or day.' }),
    periodEnd: t.expose('periodEnd', {
      type: 'DateTime',
      description: 'End (exclusive; a day may be 23 or 25 hours).',
    }),
    timeZone: t.exposeString('timeZone', { description: 'The IANA zone the hour or day is local to.' }),
    spend: t.float({ description: 'The spend.', resolve: (row) => Number(row.spend) }),
    impressions: t.float({
      nullable: true,
      description: 'Impressions the platform reported (kept for reconciliation; KPIs count events).',
      resolve: (row) => (row.impressions === null ? null : Number(row.impressions)),
    }),
    clicks: t.float({
      nullable: true,
      description: 'Clicks the platform reported (kept for reconciliation; KPIs count events).',
      resolve: (row) => (row.clicks === null ? null : Number(row.clicks)),
    }),
    importedAt: t.expose('importedAt', { type: 'DateTime', description: 'When it was uploaded.' }),
  }),
});

const SpendRowInputRef = builder.inputType('SpendRowInput', {
  description: 'One row of spend: exactly one of `date` (a local day) or `hour` (a local hour) of the upload’s zone.',
  fields: (t) => ({
    date: t.string({ required: false, description: 'A local day, YYYY-MM-DD.' }),
    hour: t.string({
      required: false,
      description:
        'A local hour, YYYY-MM-DDTHH:00. An hour a DST change skips is refused; the hour a fall-back change repeats names its first occurrence (report that day by date instead).',
    }),
    campaignId: t.string({ required: true, description: 'The campaign id its events carry.' }),
    channel: t.string({ required: true, description: 'The channel.' }),
    spend: t.float({ required: true, description: 'The spend, 0 or more, at most 6 decimals.' }),
    impressions: t.float({ required: false, description: 'Reported impressions, a whole number.' }),
    clicks: t.float({ required: false, description: 'Reported clicks, a whole number.' }),
  }),
});

const SpendRowErrorRef = builder.objectRef<SpendRowError>('SpendRowError').implement({
  description: 'A refused row.',
  fields: (t) => ({
    line: t.exposeInt('line', {
      description: 'Its 1-based data line of the CSV (after the header), or row index + 1.',
    }),
    field: t.string({ nullable: true, description: 'The field at fault, if one is.', resolve: (e) => e.field }),
    reason: t.exposeString('reason', { description: 'Why, for people.' }),
  }),
});

const SpendImportResultRef = builder.objectRef<SpendImportResult>('SpendImportResult').implement({
  description: 'What became of an upload: good rows are stored, bad ones reported by line.',
  fields: (t) => ({
    stored: t.exposeInt('stored', { description: 'Rows stored.' }),
    replaced: t.exposeInt('replaced', {
      description: 'Stored rows replaced: same campaign and channel, an overlapping period.',
    }),
    rejected: t.exposeInt('rejected', { description: 'Rows refused.' }),
    errors: t.field({ type: [SpendRowErrorRef], description: 'Why each was refused.', resolve: (r) => r.errors }),
    timeZone: t.exposeString('timeZone', { description: 'The zone the dates and hours were read in.' }),
  }),
});

builder.mutationField('importSpend', (t) =>
  t.field({
    authScopes: { ingester: true },
    type: SpendImportResultRef,
    description: `Stores spend reported by ad platforms (ingester scope; also REST \`POST /spend\`): \`rows\` or \`csv\` (header \`date|hour,campaign_id,channel,spend[,impressions][,clicks]\`), at most ${MAX_SPEND_IMPORT_ROWS} rows and ${MAX_SPEND_IMPORT_BYTES} bytes of CSV. Each row is a local day or hour of \`timeZone\` (default the reporting zone); it replaces stored rows of its campaign and channel whose period overlaps. Counted as spend for campaigns whose spend source is IMPORTS. Bad rows are reported by line while the good ones are stored; re-sending the same upload changes nothing.`,
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'What became of each row, or InvalidArgumentError when the upload could not be read.' },
    },
    args: {
      rows: t.arg({ type: [SpendRowInputRef], required: false, description: 'The rows (or send csv).' }),
      csv: t.arg.string({ required: false, description: 'The CSV text (or send rows).' }),
      timeZone: t.arg.string({
        required: false,
        description: 'IANA zone of the dates and hours; default the reporting zone.',
      }),
    },
    resolve: (_root, args, ctx) =>
      importSpend(
        ctx.pool,
        { rows: args.rows, csv: args.csv, timeZone: args.timeZone },
        ctx.config.reportingTimeZone,
        ctx.retention.settings(),
      ),
  }),
);

builder.queryField('spendImports', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: ['SpendImport'],
    description: `Imported spend rows, newest period first (at most ${MAX_LIST}).`,
    args: {
      campaignId: t.arg.string({ required: false, description: 'Only this campaign.' }),
      first: t.arg.int({ required: false, defaultValue: 100, description: `How many (1–${MAX_LIST}).` }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.spendImport.findMany({
        ...query,
        where: args.campaignId ? { campaignId: args.campaignId } : {},
        orderBy: [{ periodStart: 'desc' }, { campaignId: 'asc' }, { channel: 'asc' }],
        take: Math.min(Math.max(args.first ?? 100, 1), MAX_LIST),
      }),
  }),
);
