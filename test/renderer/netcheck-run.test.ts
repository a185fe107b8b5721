import { describe, expect, it } from 'vitest';
import type { BridgeClient } from '../../src/shared/bridge.ts';
import { latestNetCheck, netCheckState, subscribeNetCheck } from '../../src/renderer/netcheck/latest.ts';
import { netCheckStale, runNetCheck } from '../../src/renderer/netcheck/run.ts';
import { NETCHECK_MAX_AGE_MS } from '../../src/shared/netcheck.ts';

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

  it('is stale once older than a few minutes', () => {
    const at = 1_000_000;
    const c = { at, verdict: 'good' as const, turn: { udp: true, tcp: null, tls: null } };
    expect(netCheckStale(at + NETCHECK_MAX_AGE_MS - 1, c)).toBe(false);
    expect(netCheckStale(at + NETCHECK_MAX_AGE_MS + 1, c)).toBe(true);
  });
});
