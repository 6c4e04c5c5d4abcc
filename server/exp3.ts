import pg from 'pg';
const url = 'postgresql://postgres@127.0.0.1:5432/pmd_ingest_exp';
const src = await import('./src/services/ingest.ts?raw' as string).catch(() => null);
const fs = await import('node:fs');
const text = fs.readFileSync('src/services/ingest.ts', 'utf8');
const sql = /const INGEST_SQL = `([\s\S]*?)`;\n/.exec(text)![1]!.replace(/\$\{NOTIFY_MAX_CAMPAIGNS\}/g, '20');
const c = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' }); await c.connect();
const CH = ['google','meta','tiktok','email'];
const mk = (p: string, n: number) => Array.from({ length: n }, (_, i) => ({ event_id: `${p}-${i}`, ts: new Date(Date.now() - (i * 7919) % 21600000).toISOString(), user_id: 'u' + (i % 2000), campaign_id: 'camp_' + (i % 20), channel: CH[(i >> 3) % 4], event_type: ['ad_impression','ad_click','signup'][i % 3], cost: i % 3 === 1 ? '0.5' : '0' }));
for (const r of [1,2,3]) {
const ev = mk('ex' + Date.now() + r, 1000);
const vals = [ev.map(e=>e.event_id), ev.map(e=>e.ts), ev.map(e=>e.user_id), ev.map(e=>e.campaign_id), ev.map(e=>e.channel), ev.map(e=>e.event_type), ev.map(e=>e.cost), 'pmd_events_ingested'];
const res = await c.query('EXPLAIN (ANALYZE, BUFFERS, TIMING) ' + sql, vals);
if (r === 3) console.log(res.rows.map((x: any) => x['QUERY PLAN']).join('\n')); else console.log(res.rows.at(-1));
}
await c.end();
