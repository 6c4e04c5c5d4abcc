import { inject, reactive, readonly, type InjectionKey } from 'vue';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Consecutive failed connection attempts after which we say "offline" rather than "reconnecting". */
const OFFLINE_AFTER_FAILURES = 3;

export interface LiveStatus {
  readonly state: { connection: ConnectionState; lastUpdatedAt: number | null };
  onConnecting(): void;
  onConnected(): void;
  onClosed(): void;
  /** The page's data arrived from the server (a live push or a refresh). */
  markUpdated(at?: number): void;
  /** Another page is shown: nothing of its data has arrived yet. */
  resetUpdated(): void;
}

/** The websocket's health as people should read it; fed by the graphql-ws client's events. */
export function createLiveStatus(isOnline: () => boolean = () => navigator.onLine): LiveStatus {
  const state = reactive({ connection: 'connecting' as ConnectionState, lastUpdatedAt: null as number | null });
  let failures = 0;
  let everConnected = false;
  return {
    state: readonly(state),
    onConnecting() {
      if (!everConnected && failures === 0) state.connection = 'connecting';
    },
    onConnected() {
      failures = 0;
      everConnected = true;
      state.connection = 'connected';
    },
    onClosed() {
      failures += 1;
      state.connection = !isOnline() || failures >= OFFLINE_AFTER_FAILURES ? 'offline' : 'reconnecting';
    },
    markUpdated(at = Date.now()) {
      state.lastUpdatedAt = at;
    },
    resetUpdated() {
      state.lastUpdatedAt = null;
    },
  };
}

export const LIVE_STATUS_KEY: InjectionKey<LiveStatus> = Symbol('live-status');

/** The app's live status; outside an app that provides one (component tests), a detached one. */
export function useLiveStatus(): LiveStatus {
  return inject(LIVE_STATUS_KEY, () => createLiveStatus(() => true), true);
}
