import { ensureDatabase } from '@pmd/db';
import { buildApp } from './src/app.ts';
const url = await ensureDatabase('postgresql://postgres@127.0.0.1:5432/postgres', 'pmd_ingest_exp');
const app = buildApp({ databaseUrl: url });
await app.context.pool.query('TRUNCATE raw_events, campaign_metrics_minute, rollup_dirty_hours');
const CH = ['google','meta','tiktok','email'];
const mk = (p: string, n: number) => Array.from({ length: n }, (_, i) => ({ event_id: `${p}-${i}`, ts: new Date(Date.now() - (i * 7919) % 21600000).toISOString(), user_id: 'u' + (i % 2000), campaign_id: 'camp_' + (i % 20), channel: CH[(i >> 3) % 4], event_type: ['ad_impression','ad_click','signup'][i % 3], cost: i % 3 === 1 ? 0.5 : 0 }));
const mutation = 'mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { ... on IngestResult { stored } } }';
const toInput = (e: any) => ({ eventId: e.event_id, ts: e.ts, userId: e.user_id, campaignId: e.campaign_id, channel: e.channel, eventType: e.event_type.toUpperCase(), cost: e.cost });
for (const pass of [1, 2, 3, 4]) {
  let bodies = Array.from({ length: 20 }, (_, r) => JSON.stringify({ query: mutation, variables: { events: mk(`g${pass}r${r}`, 1000).map(toInput) } }));
  let t = performance.now();
  for (const body of bodies) { const res = await app.yoga.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body }); await res.text(); }
  let ms = (performance.now() - t) / 20; console.log('gql 1000 ms', ms.toFixed(1), Math.round(1000 / ms * 1000));
  bodies = Array.from({ length: 200 }, (_, r) => JSON.stringify(mk(`b${pass}r${r}`, 50)));
  t = performance.now();
  for (const body of bodies) { const res = await app.yoga.fetch('http://x/events/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body }); await res.text(); }
  ms = (performance.now() - t) / 200; console.log('rest 50 ms', ms.toFixed(2), Math.round(50 / ms * 1000));
}
await app.stop();
