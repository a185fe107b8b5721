import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_LOST_GRACE_MS, bridgeGone, type BridgeLinkView, type BridgeRefusal } from '../../src/renderer/bridge/link.ts';
import { BRIDGE_BEAT_MS, BRIDGE_SILENCE_MS } from '../../src/shared/bridge.ts';
import { createWsClient, type SocketLike, type WsBridgeClient } from '../../src/renderer/bridge/ws-client.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: never) => void) | null = null;
  onclose: ((ev: never) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(): void {}
  close(): void {
    this.closedByPage = true;
    this.drop();
  }
  closedByPage = false;
  /** The handshake only: main has not spoken yet. */
  handshake(): void {
    this.readyState = 1;
    this.onopen?.(undefined as never);
  }
  /** What a live main does: the handshake, then a beat at once. */
  open(): void {
    this.handshake();
    this.beat();
  }
  beat(): void {
    this.onmessage?.({ data: JSON.stringify({ type: 'beat' }) });
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
  /** Whether main refuses the page's token, and how often the page asked. */
  let refusing: BridgeRefusal | null;
  let asked: number;
  const seen: BridgeLinkView[] = [];
  const last = () => sockets[sockets.length - 1]!;
  /** The page's clock and its timers move together. */
  const tick = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  const start = (refused: () => Promise<BridgeRefusal | null>) =>
    createWsClient({
      url: 'ws://kiosk/bridge',
      connect: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      backoff: { firstMs: 100, maxMs: 1000 },
      random: () => 0.5,
      now: () => now,
      refused,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    seen.length = 0;
    now = 1_000;
    refusing = null;
    asked = 0;
    client = start(async () => {
      asked++;
      return refusing;
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

  it('is lost when main falls silent (stopped with SIGSTOP, or its event loop hung), though the socket stays open', () => {
    last().open();
    for (let i = 0; i < 10; i++) {
      tick(BRIDGE_BEAT_MS);
      last().beat();
    }
    const stopped = last();
    tick(BRIDGE_SILENCE_MS - 1);
    expect(client.link.get().state).toBe('open');
    tick(1);
    expect(client.link.get()).toEqual({ state: 'lost', since: now });
    // The same path as a closed socket: the silent one is given up and a new one tried.
    expect(stopped.closedByPage).toBe(true);
    tick(100);
    expect(sockets).toHaveLength(2);
  });

  it('is gone (the call hung up, the camera released) 9 s after main stopped: 4 s of silence, then the 5 s grace', () => {
    last().open();
    const stoppedAt = now;
    const lostAt = stoppedAt + BRIDGE_SILENCE_MS;
    // A stopped main's kernel still accepts connections but nothing answers: the retries open, or hang, and never speak.
    while (now < lostAt + BRIDGE_LOST_GRACE_MS) {
      tick(50);
      if (last().readyState === 0 && sockets.length % 2 === 0) last().handshake();
    }
    expect(sockets.length).toBeGreaterThan(2);
    expect(client.link.get()).toEqual({ state: 'lost', since: lostAt });
    expect(bridgeGone(client.link.get(), now)).toBe(true);
    expect(bridgeGone(client.link.get(), now - 50)).toBe(false);
    // SIGCONT: main answers on the next socket.
    tick(1000);
    last().open();
    expect(client.link.get().state).toBe('open');
  });

  it('does not take a busy main for a dead one: beats 2 s apart (a 1 s stall on a 1 s beat), even 3.9 s apart, keep it open', () => {
    last().open();
    for (const gap of [2000, 2000, 1000, 3900, 2000]) {
      tick(gap);
      last().beat();
    }
    expect(sockets).toHaveLength(1);
    expect(seen.map((v) => v.state)).toEqual(['open']);
  });

  it('waits once more when its own timer fired late (the page itself was frozen): main’s beats may be queued behind it', () => {
    last().open();
    now += 10_000; // the page's clock jumped: its timer runs 6 s after it was due
    vi.advanceTimersByTime(BRIDGE_SILENCE_MS);
    expect(client.link.get().state).toBe('open');
    last().beat();
    tick(BRIDGE_SILENCE_MS - 1);
    expect(client.link.get().state).toBe('open');
    tick(1);
    expect(client.link.get().state).toBe('lost');
  });

  it('a socket that opens but on which main never speaks is not open', () => {
    last().handshake();
    expect(client.link.get().state).toBe('connecting');
    tick(BRIDGE_SILENCE_MS);
    expect(sockets[0]!.closedByPage).toBe(true);
    tick(100);
    last().open();
    expect(client.link.get().state).toBe('open');
  });

  it('is refused, and retries no more, when main refuses the page’s token (npm start restarted since the page was opened)', async () => {
    last().open();
    last().drop();
    // A socket main had spoken on that closes: main went away, nothing to ask yet.
    expect(asked).toBe(0);
    refusing = 'restarted';
    tick(100);
    last().drop(); // the new run's main answers the upgrade with 403
    await vi.waitFor(() => expect(client.link.get().state).toBe('refused'));
    // Main said why: the page's token is of its earlier run (the page says the cabin restarted).
    expect(client.link.get()).toEqual({ state: 'refused', since: null, refusal: 'restarted' });
    expect(asked).toBe(1);
    expect(bridgeGone(client.link.get(), now)).toBe(true);
    tick(60_000);
    expect(sockets).toHaveLength(2);
  });

  it('keeps retrying while main is not up yet (nothing answers, or not in time), then opens', async () => {
    last().open();
    last().drop();
    for (let i = 0; i < 5; i++) {
      tick(1000);
      last().drop();
      await Promise.resolve();
    }
    expect(asked).toBe(5);
    expect(client.link.get().state).toBe('lost');
    tick(1000);
    last().open();
    expect(client.link.get().state).toBe('open');
    expect(sockets).toHaveLength(7);
  });

  it('a refusal that comes after a socket main speaks on changes nothing', async () => {
    let answer!: (why: BridgeRefusal | null) => void;
    client.close();
    sockets = [];
    client = start(() => new Promise((resolve) => (answer = resolve)));
    last().drop();
    tick(100);
    last().open();
    answer('no-token');
    await Promise.resolve();
    await Promise.resolve();
    expect(client.link.get().state).toBe('open');
  });

  it('counts as gone (hang up, release the camera) only once lost for the grace period', () => {
    expect(bridgeGone({ state: 'open', since: null }, 1e9)).toBe(false);
    expect(bridgeGone({ state: 'connecting', since: null }, 1e9)).toBe(false);
    expect(bridgeGone({ state: 'refused', since: null }, 0)).toBe(true);
    expect(bridgeGone({ state: 'lost', since: 1000 }, 1000 + BRIDGE_LOST_GRACE_MS - 1)).toBe(false);
    expect(bridgeGone({ state: 'lost', since: 1000 }, 1000 + BRIDGE_LOST_GRACE_MS)).toBe(true);
  });
});
