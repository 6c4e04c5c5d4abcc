import { describe, expect, it } from 'vitest';
import { createLiveStatus } from './useLiveStatus.ts';

describe('createLiveStatus', () => {
  it('goes connecting → connected → reconnecting → offline and back', () => {
    const status = createLiveStatus(() => true);
    expect(status.state.connection).toBe('connecting');
    status.onConnected();
    expect(status.state.connection).toBe('connected');
    status.onClosed();
    expect(status.state.connection).toBe('reconnecting');
    status.onConnecting();
    status.onClosed();
    status.onClosed();
    expect(status.state.connection).toBe('offline');
    status.onConnected();
    expect(status.state.connection).toBe('connected');
  });

  it('says offline at once when the browser is offline', () => {
    const status = createLiveStatus(() => false);
    status.onConnected();
    status.onClosed();
    expect(status.state.connection).toBe('offline');
  });
});
