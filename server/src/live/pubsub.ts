import type { AlertChangedPayload, EventsIngestedPayload, RollupsChangedPayload } from '@pmd/db';
import { createPubSub } from 'graphql-yoga';

/** In-process fan-out of the database's notifications to GraphQL subscriptions (fed by one LISTEN connection). */
export function createLivePubSub() {
  return createPubSub<{
    'events:ingested': [payload: EventsIngestedPayload];
    'rollups:changed': [payload: RollupsChangedPayload];
    'alert:changed': [payload: AlertChangedPayload];
  }>();
}

export type LivePubSub = ReturnType<typeof createLivePubSub>;
