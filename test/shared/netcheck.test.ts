import { describe, expect, it } from 'vitest';
import { NetCheckSchema, verdictOf, VERDICT_THRESHOLDS as TH, type NetMeasures } from '../../src/shared/netcheck.ts';
import { trainRate, trustedRate, turnKind, turnServersByKind } from '../../src/renderer/netcheck/probe.ts';

const ok: NetMeasures = { hubReached: true, turn: { udp: true, tcp: null, tls: null }, pathConnected: true };

describe('the verdict rule', () => {
  it('loopback figures: good', () => {
    expect(verdictOf({ ...ok, pathRttMs: 2, pathLossPct: 0, pathKbps: 100_000 })).toBe('good');
  });

  it('the issue\'s first case (256 kbit/s, 300 ms, 5 %): video will be reduced', () => {
    expect(verdictOf({ ...ok, pathRttMs: 300, pathLossPct: 5, pathKbps: 256 })).toBe('reduced');
    // As measured through the relay (test/e2e/netcheck.test.ts), including a loss figure that drew low or high.
    expect(verdictOf({ ...ok, pathRttMs: 320, pathLossPct: 3.2, pathKbps: 222 })).toBe('reduced');
    expect(verdictOf({ ...ok, pathRttMs: 320, pathLossPct: 9, pathKbps: 222 })).toBe('reduced');
  });

  it('the issue\'s second case (128 kbit/s, 600 ms, 10 %): sound and readings only', () => {
    expect(verdictOf({ ...ok, pathRttMs: 600, pathLossPct: 10, pathKbps: 128 })).toBe('audio-only');
  });

  it('each measure alone can lower the verdict: the worst one decides', () => {
    expect(verdictOf({ ...ok, pathRttMs: TH.goodRttMs, pathLossPct: 0, pathKbps: 10_000 })).toBe('reduced');
    expect(verdictOf({ ...ok, pathRttMs: TH.reducedRttMs, pathLossPct: 0, pathKbps: 10_000 })).toBe('audio-only');
    expect(verdictOf({ ...ok, pathRttMs: 10, pathLossPct: TH.goodLossPct, pathKbps: 10_000 })).toBe('reduced');
    expect(verdictOf({ ...ok, pathRttMs: 10, pathLossPct: TH.reducedLossPct, pathKbps: 10_000 })).toBe('audio-only');
    expect(verdictOf({ ...ok, pathRttMs: 10, pathLossPct: 0, pathKbps: TH.goodKbps - 1 })).toBe('reduced');
    expect(verdictOf({ ...ok, pathRttMs: 10, pathLossPct: 0, pathKbps: TH.reducedKbps - 1 })).toBe('audio-only');
    expect(verdictOf({ ...ok, pathRttMs: 10, pathLossPct: 0, pathKbps: TH.goodKbps })).toBe('good');
  });

  it('offline: hub not reached, no TURN transport, or no path through it', () => {
    const good = { pathRttMs: 2, pathLossPct: 0, pathKbps: 10_000 };
    expect(verdictOf({ ...ok, ...good, hubReached: false })).toBe('offline');
    expect(verdictOf({ ...ok, ...good, turn: { udp: false, tcp: false, tls: null } })).toBe('offline');
    expect(verdictOf({ ...ok, ...good, turn: { udp: null, tcp: null, tls: null } })).toBe('offline');
    expect(verdictOf({ ...ok, ...good, pathConnected: false })).toBe('offline');
    // TCP alone is enough to call.
    expect(verdictOf({ ...ok, ...good, turn: { udp: false, tcp: true, tls: null } })).toBe('good');
  });
});

describe('the probe\'s pieces', () => {
  it('tells the transport of each TURN URL', () => {
    expect(turnKind('turn:hub.example:3478')).toBe('udp');
    expect(turnKind('turn:hub.example:3478?transport=udp')).toBe('udp');
    expect(turnKind('turn:hub.example:3478?transport=tcp')).toBe('tcp');
    expect(turnKind('turns:hub.example:443?transport=tcp')).toBe('tls');
    expect(turnKind('stun:hub.example:3478')).toBeNull();
    const by = turnServersByKind([{ urls: 'stun:s:1' }, { urls: ['turn:h:1?transport=tcp', 'turns:h:443'], username: 'u', credential: 'c' }]);
    expect(by).toEqual({ tcp: { urls: 'turn:h:1?transport=tcp', username: 'u', credential: 'c' }, tls: { urls: 'turns:h:443', username: 'u', credential: 'c' } });
  });

  it('reads the link rate from the spacing of each train, whatever the jitter of single packets', () => {
    // 369 bytes per packet at 128 kbit/s: 23.06 ms apart; ±10 ms of jitter on every other packet.
    const spacing = (369 * 8) / 128;
    const arrivals = Array.from({ length: 16 }, (_, seq) => ({ seq, t: 1000 * Math.floor(seq / 8) + (seq % 8) * spacing + (seq % 2 ? 10 : -10) }));
    const rate = trainRate(arrivals, 8)!;
    expect(rate).toBeGreaterThan(100);
    expect(rate).toBeLessThan(160);
    // One packet held back 100 ms (jitter, a reordering) does not move the figure much.
    const late = arrivals.map((a) => (a.seq === 3 ? { ...a, t: a.t + 100 } : a));
    expect(trainRate(late, 8)!).toBeGreaterThan(100);
    expect(trainRate(late, 8)!).toBeLessThan(160);
    // A train with fewer than 4 arrivals says nothing.
    expect(trainRate(arrivals.slice(0, 3), 8)).toBeUndefined();
  });

  it('leaves out a train that SCTP held back (a gap of half a round trip inside it), and says nothing when all were', () => {
    const spacing = (369 * 8) / 256;
    const train = (k: number, gapAfter?: number) =>
      Array.from({ length: 8 }, (_, i) => ({ seq: k * 8 + i, t: 1000 * k + i * spacing + (gapAfter !== undefined && i > gapAfter ? 300 : 0) }));
    // Three trains at the link's rate, and one whose second half came a round trip (300 ms) later.
    const arrivals = [...train(0), ...train(1, 3), ...train(2), ...train(3, 2)];
    const all = trainRate(arrivals, 8)!;
    const kept = trainRate(arrivals, 8, undefined, 150)!;
    expect(kept).toBeGreaterThan(230);
    expect(kept).toBeLessThan(280);
    // Kept in, the held trains pull the median far below the link (what read 69 kbit/s on a 256 kbit/s link).
    expect(all).toBeLessThan(kept * 0.75);
    // All held back: still a figure (low), not none.
    const held = trainRate([...train(0, 3), ...train(1, 4)], 8, undefined, 150)!;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(200);
  });

  it('gives no rate when the trains lost far more than the pings (dropped on the way, not carried by the link)', () => {
    const rate = () => 200;
    expect(trustedRate({ loadSent: 64, loadArrived: 36 }, 0.042, rate)).toBeUndefined();
    expect(trustedRate({ loadSent: 64, loadArrived: 60 }, 0.042, rate)).toBe(200);
    // A lossy link loses trains as it loses pings: the rate stands.
    expect(trustedRate({ loadSent: 64, loadArrived: 44 }, 0.12, rate)).toBe(200);
    expect(trustedRate({ loadSent: 0, loadArrived: 0 }, 0, rate)).toBeUndefined();
  });

  it("keeps a slow link's own spacing on a short round trip (128 kbit/s: 23 ms a packet, 30 ms round trip)", () => {
    const spacing = (369 * 8) / 128;
    const arrivals = Array.from({ length: 32 }, (_, seq) => ({ seq, t: 1000 * Math.floor(seq / 8) + (seq % 8) * spacing + (seq % 3 === 0 ? 3 : 0) }));
    const rate = trainRate(arrivals, 8, undefined, 15)!;
    expect(rate).toBeGreaterThan(110);
    expect(rate).toBeLessThan(150);
  });

  it('a check is valid against the contract', () => {
    expect(NetCheckSchema.safeParse({ at: 1, verdict: 'reduced', turn: { udp: true, tcp: null, tls: null }, pathRttMs: 320, uplinkKbps: 266 }).success).toBe(true);
    expect(NetCheckSchema.safeParse({ at: 1, verdict: 'great', turn: { udp: true, tcp: null, tls: null } }).success).toBe(false);
  });
});
