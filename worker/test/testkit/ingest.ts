import { storeEvents } from '@pmd/db';
import type pg from 'pg';

export type EventType = 'ad_impression' | 'ad_click' | 'signup' | 'activation';

export interface TestEvent {
  event_id: string;
  ts: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  event_type: EventType;
  cost: number;
}

/** Ingests a batch with the ingest service's own statement (no notification); returns how many events were new. */
export async function ingest(client: pg.Pool | pg.ClientBase, events: readonly TestEvent[]): Promise<number> {
  const rows = events.map((e) => ({
    eventId: e.event_id,
    ts: e.ts,
    userId: e.user_id,
    campaignId: e.campaign_id,
    channel: e.channel,
    eventType: e.event_type,
    cost: e.cost,
  }));
  return (await storeEvents(client, rows, { notify: false })).stored;
}
