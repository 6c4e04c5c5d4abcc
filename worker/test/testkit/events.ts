import type { EventType, TestEvent } from './ingest.ts';

export const KEYS = [
  { campaign_id: 'camp_google_brand', channel: 'google' },
  { campaign_id: 'camp_google_brand', channel: 'meta' },
  { campaign_id: 'camp_meta_prospecting', channel: 'meta' },
  { campaign_id: 'camp_tiktok_creative', channel: 'tiktok' },
  { campaign_id: 'camp_email_reactivation', channel: 'email' },
] as const;

const TYPES: EventType[] = [
  'ad_impression',
  'ad_impression',
  'ad_impression',
  'ad_impression',
  'ad_click',
  'ad_click',
  'signup',
  'activation',
];

/**
 * `count` random events over [start, start + spanMs): every key and type, click costs with 6 decimals and a few
 * priced impressions, so `cost` (clicks) and `total_cost` (all) differ. Ids are `${prefix}-${i}`.
 */
export function randomEvents(
  random: () => number,
  count: number,
  start: Date,
  spanMs: number,
  prefix: string,
): TestEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const key = KEYS[Math.floor(random() * KEYS.length)] ?? KEYS[0];
    const event_type = TYPES[Math.floor(random() * TYPES.length)] ?? 'ad_impression';
    const priced = event_type === 'ad_click' || (event_type === 'ad_impression' && random() < 0.1);
    return {
      event_id: `${prefix}-${i}`,
      ts: new Date(start.getTime() + Math.floor(random() * spanMs)).toISOString(),
      user_id: `user_${Math.floor(random() * 2000)
        .toString()
        .padStart(5, '0')}`,
      ...key,
      event_type,
      cost: priced ? Math.round(random() * 2_000_000) / 1_000_000 : 0,
    };
  });
}
