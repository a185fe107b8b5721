import { describe, expect, it } from 'vitest';
import type { BridgeClient } from '../../src/shared/bridge.ts';
import { latestNetCheck, netCheckState, subscribeNetCheck } from '../../src/renderer/netcheck/latest.ts';
import { netCheckStale, runNetCheck } from '../../src/renderer/netcheck/run.ts';
import { NETCHECK_MAX_AGE_MS, NetCheckSchema } from '../../src/shared/netcheck.ts';

/** A bridge that answers `netcheck:hub` with `side` and records what is reported. */
function bridge(side: unknown, reported: unknown[]): Pick<BridgeClient, 'call'> {
  return {
    call: ((name: string, input: unknown) => {
      if (name === 'netcheck:hub') return Promise.resolve({ ok: true, value: side });
      if (name === 'netcheck:report') reported.push(input);
      return Promise.resolve({ ok: true, value: {} });
    }) as BridgeClient['call'],
  };
}

describe('running the check from the kiosk page', () => {
  it('a hub that cannot be reached: offline, published and given to main', async () => {
    const reported: unknown[] = [];
    const seen: boolean[] = [];
    const off = subscribeNetCheck((s) => seen.push(s.running));
    const check = await runNetCheck(bridge({ hub: null, iceServers: [], error: 'The hub cannot be reached.' }, reported));
    off();
    expect(check?.verdict).toBe('offline');
    expect(check?.turn).toEqual({ udp: null, tcp: null, tls: null });
    expect(latestNetCheck()).toEqual(check);
    expect(reported).toEqual([{ check }]);
    expect(seen).toEqual([true, false]);
  });

  it('no TURN given while the hub answers (checks too frequent): not "offline"; the previous check stays, with the reason', async () => {
    const before = latestNetCheck();
    const reported: unknown[] = [];
    const check = await runNetCheck(bridge({ hub: { rttMs: 20, lossPct: 0 }, iceServers: [], error: 'Network checks are limited per cabin: try again in a minute.' }, reported));
    expect(check).toBeUndefined();
    expect(latestNetCheck()).toBe(before);
    expect(netCheckState().error).toMatch(/limited/);
    expect(reported).toEqual([]);
  });

  it('a hub without any TURN server (the demo): the hub round trip and loss judge the link, and the check is given to main', async () => {
    const reported: unknown[] = [];
    const good = await runNetCheck(bridge({ hub: { rttMs: 12, lossPct: 0 }, iceServers: [], error: 'The hub has no TURN server.', noTurn: true }, reported));
    expect(good).toMatchObject({ verdict: 'good', hubRttMs: 12, hubLossPct: 0, turn: { udp: null, tcp: null, tls: null } });
    expect(latestNetCheck()).toEqual(good);
    expect(reported).toEqual([{ check: good }]);
    expect(NetCheckSchema.safeParse(good).success).toBe(true);
    const far = await runNetCheck(bridge({ hub: { rttMs: 320, lossPct: 5 }, iceServers: [], error: 'The hub has no TURN server.', noTurn: true }, []));
    expect(far?.verdict).toBe('reduced');
    const worse = await runNetCheck(bridge({ hub: { rttMs: 650, lossPct: 10 }, iceServers: [], error: 'The hub has no TURN server.', noTurn: true }, []));
    expect(worse?.verdict).toBe('audio-only');
  });

  it('is stale once older than a few minutes', () => {
    const at = 1_000_000;
    const c = { at, verdict: 'good' as const, turn: { udp: true, tcp: null, tls: null } };
    expect(netCheckStale(at + NETCHECK_MAX_AGE_MS - 1, c)).toBe(false);
    expect(netCheckStale(at + NETCHECK_MAX_AGE_MS + 1, c)).toBe(true);
  });
});
