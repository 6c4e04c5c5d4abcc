import { type Logger } from '@pmd/db';
import {
  AlertChangedPayloadSchema,
  EventsIngestedPayloadSchema,
  NOTIFY_CHANNELS,
  RollupsChangedPayloadSchema,
} from '@pmd/domain';
import pg from 'pg';
import type { LivePubSub } from './pubsub.ts';

export interface NotificationListenerOptions {
  databaseUrl: string;
  pubsub: LivePubSub;
  log: Logger;
  /** Called after a reconnect: notifications sent while the connection was down are lost, so values may be stale. */
  onReconnected?: () => void;
  /** First and longest pause between reconnect attempts. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface NotificationListener {
  /** Resolves once the first LISTEN is in place, or the first attempt failed and retries run in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while LISTENing (for /health-style checks and tests). */
  readonly connected: boolean;
}

const CHANNELS = Object.values(NOTIFY_CHANNELS);

/**
 * The ONE LISTEN connection of a server process: forwards the three NOTIFY channels into the typed pubsub. When the
 * connection drops (database restart, network), it reconnects with exponential backoff and LISTENs again; GraphQL
 * subscriptions hang on the pubsub, not on this connection, so they never notice.
 */
export function createNotificationListener(options: NotificationListenerOptions): NotificationListener {
  const { databaseUrl, pubsub, log } = options;
  const minBackoffMs = options.minBackoffMs ?? 200;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  let client: pg.Client | undefined;
  let stopped = false;
  let connected = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let backoffMs = minBackoffMs;

  function publish(channel: string, payload: string | undefined): void {
    let data: unknown;
    try {
      data = JSON.parse(payload ?? '');
    } catch {
      log.warn({ channel, payload }, 'ignoring a notification whose payload is not JSON');
      return;
    }
    // Each payload is checked against its schema: a writer that drifted is logged, never passed on half-shaped.
    const invalid = (issues: unknown) => log.warn({ channel, payload, issues }, 'ignoring a malformed notification');
    if (channel === NOTIFY_CHANNELS.eventsIngested) {
      const parsed = EventsIngestedPayloadSchema.safeParse(data);
      if (parsed.success) pubsub.publish('events:ingested', parsed.data);
      else invalid(parsed.error.issues);
    } else if (channel === NOTIFY_CHANNELS.rollupsChanged) {
      const parsed = RollupsChangedPayloadSchema.safeParse(data);
      if (parsed.success) pubsub.publish('rollups:changed', parsed.data);
      else invalid(parsed.error.issues);
    } else if (channel === NOTIFY_CHANNELS.alertChanged) {
      const parsed = AlertChangedPayloadSchema.safeParse(data);
      if (parsed.success) pubsub.publish('alert:changed', parsed.data);
      else invalid(parsed.error.issues);
    }
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: databaseUrl, options: '-c TimeZone=UTC' });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      connected = false;
      next.removeAllListeners('notification');
      next.end().catch(() => {});
      if (stopped) return;
      log.warn({ err: error, retryInMs: backoffMs }, 'LISTEN connection lost; reconnecting');
      scheduleReconnect();
    };
    next.on('error', onLost);
    next.on('end', () => onLost());
    next.on('notification', (message) => publish(message.channel, message.payload));
    try {
      await next.connect();
      for (const channel of CHANNELS) await next.query(`LISTEN ${next.escapeIdentifier(channel)}`);
    } catch (error) {
      lost = true;
      next.end().catch(() => {});
      throw error;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    connected = true;
    backoffMs = minBackoffMs;
  }

  function scheduleReconnect(): void {
    if (stopped || retryTimer) return;
    const wait = backoffMs;
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        await connect();
        if (!stopped) {
          log.info({ channels: CHANNELS }, 'LISTEN connection re-established');
          options.onReconnected?.();
        }
      } catch (error) {
        log.warn({ err: error, retryInMs: backoffMs }, 'LISTEN reconnect failed; retrying');
        scheduleReconnect();
      }
    }, wait);
  }

  return {
    async start() {
      stopped = false;
      try {
        await connect();
        log.info({ channels: CHANNELS }, 'listening for database notifications');
      } catch (error) {
        // The API still serves reads that work; live pushes start once the database answers.
        log.error({ err: error, retryInMs: backoffMs }, 'cannot LISTEN yet; retrying in the background');
        scheduleReconnect();
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      connected = false;
      await client?.end().catch(() => {});
      client = undefined;
    },
    get connected() {
      return connected;
    },
  };
}
