import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_LOST_GRACE_MS, bridgeGone, type BridgeLinkView } from '../../src/renderer/bridge/link.ts';
import { createWsClient, type SocketLike, type WsBridgeClient } from '../../src/renderer/bridge/ws-client.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: never) => void) | null = null;
  onclose: ((ev: never) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(): void {}
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(undefined as never);
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.(undefined as never);
  }
}

describe('the bridge link to cabin main (browser mode)', () => {
  let sockets: FakeSocket[];
  let client: WsBridgeClient;
  let now: number;
  const seen: BridgeLinkView[] = [];
  const last = () => sockets[sockets.length - 1]!;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    seen.length = 0;
    now = 1_000;
    client = createWsClient({
      url: 'ws://kiosk/bridge',
      connect: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      backoff: { firstMs: 100, maxMs: 1000 },
      random: () => 0.5,
      now: () => now,
    });
    client.link.subscribe((v) => seen.push(v));
  });
  afterEach(() => {
    client.close();
    vi.useRealTimers();
  });

  it('is connecting until the first socket opens; a first attempt that fails is not "reconnecting"', () => {
    expect(client.link.get()).toEqual({ state: 'connecting', since: null });
    last().drop();
    expect(client.link.get().state).toBe('connecting');
    vi.advanceTimersByTime(200);
    last().open();
    expect(client.link.get()).toEqual({ state: 'open', since: null });
  });

  it('is lost from the moment an open socket closes, through the failed retries, and open again when one opens', () => {
    last().open();
    now = 5_000;
    last().drop();
    expect(client.link.get()).toEqual({ state: 'lost', since: 5_000 });
    // Retries that fail keep the first moment it was lost.
    for (let i = 0; i < 3; i++) {
      now += 1000;
      vi.advanceTimersByTime(2000);
      last().drop();
    }
    expect(client.link.get()).toEqual({ state: 'lost', since: 5_000 });
    vi.advanceTimersByTime(2000);
    last().open();
    expect(client.link.get()).toEqual({ state: 'open', since: null });
    expect(seen.map((v) => v.state)).toEqual(['open', 'lost', 'open']);
  });

  it('is not lost when the page itself closes the bridge', () => {
    last().open();
    client.close();
    expect(client.link.get().state).toBe('open');
  });

  it('counts as gone (hang up, release the camera) only once lost for the grace period', () => {
    expect(bridgeGone({ state: 'open', since: null }, 1e9)).toBe(false);
    expect(bridgeGone({ state: 'connecting', since: null }, 1e9)).toBe(false);
    expect(bridgeGone({ state: 'lost', since: 1000 }, 1000 + BRIDGE_LOST_GRACE_MS - 1)).toBe(false);
    expect(bridgeGone({ state: 'lost', since: 1000 }, 1000 + BRIDGE_LOST_GRACE_MS)).toBe(true);
  });
});
