import type { BridgeClient } from '../../shared/bridge.ts';
import { hubOnlyCheck, NETCHECK_MAX_AGE_MS, type NetCheck } from '../../shared/netcheck.ts';
import { latestNetCheck, netCheckState, publishNetCheck } from './latest.ts';
import { measureNetCheck } from './measure.ts';

let running: Promise<NetCheck | undefined> | undefined;

/**
 * Runs the pre-call check once (a second call while one runs gets the same): main measures the hub and hands probe
 * TURN credentials, the page measures TURN and the path, the result is published (latest.ts) and given to main, whose
 * call requests carry it to the doctors. Never rejects: a bridge that fails is a check that could not run (`error`).
 */
export function runNetCheck(bridge: Pick<BridgeClient, 'call'>): Promise<NetCheck | undefined> {
  running ??= (async () => {
    publishNetCheck({ ...netCheckState(), running: true });
    try {
      const side = await bridge.call('netcheck:hub', {});
      // A hub without any TURN server (the demo, a hub on the cabin's own network): the hub's figures judge the link.
      if (side.ok && side.value.noTurn === true && side.value.hub !== null) {
        const check = hubOnlyCheck(side.value.hub, Date.now());
        publishNetCheck({ running: false, check });
        await bridge.call('netcheck:report', { check });
        return check;
      }
      // The bridge failed, or the hub answered but gave no TURN to try (checks too frequent, or a hub without TURN):
      // nothing measured, which is not "offline"; the previous check stays.
      const noTurn = side.ok && side.value.hub !== null && side.value.iceServers.length === 0;
      if (!side.ok || noTurn) {
        publishNetCheck({ running: false, check: latestNetCheck(), error: side.ok ? (side.value.error ?? 'no TURN') : side.error.message });
        return undefined;
      }
      const { check } = await measureNetCheck(side.value);
      publishNetCheck({ running: false, check });
      await bridge.call('netcheck:report', { check });
      return check;
    } catch (err) {
      publishNetCheck({ running: false, check: latestNetCheck(), error: err instanceof Error ? err.message : String(err) });
      return undefined;
    } finally {
      running = undefined;
    }
  })();
  return running;
}

/** The last check is missing or older than NETCHECK_MAX_AGE_MS. */
export function netCheckStale(now = Date.now(), check = latestNetCheck()): boolean {
  return !check || now - check.at > NETCHECK_MAX_AGE_MS;
}
