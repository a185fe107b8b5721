import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, BleDriver, BleSimulator, BleWrite, CharacteristicValue, GattRef } from '../../src/shared/driver.ts';
import { normaliseUuid } from '../../drivers/_ble/uuid.ts';

/**
 * Drives a BleSimulator as a central would (and as src/devices/ble/session.ts does): waits until it advertises,
 * connects, gives the decoder `connected`, reads the link's reads the device has, subscribes, then writes what the
 * decoder asks (after the subscriptions, then after every value), advances time until the device ends the connection.
 * Everything on a simulated clock; no timers.
 *
 * Free of vitest (ble-harness.ts, which re-exports it, adds the expectations), so the bench (bench/ble-decode.ts)
 * drives the simulators with the same code as the tests.
 */

const key = (r: GattRef): string => `${normaliseUuid(r.service)}/${normaliseUuid(r.characteristic)}`;

export interface ConnectOptions {
  /** The cabin's clock when the connection opens. */
  nowMs: number;
  utcOffsetMin?: number;
  lastSeq?: number;
  lastT?: number;
  stepMs?: number;
  /** Gives up (and disconnects) after this long connected. */
  maxMs?: number;
  /** A decoder to reuse (default: a new one per connection, as the session does). */
  decoder?: BleDecoder;
  /** Called with each value given to the decoder, the cabin's time it arrived and the events the decoder returned for it. */
  onValue?: (v: CharacteristicValue, atMs: number, events: readonly DeviceEvent[]) => void;
}

export interface ConnectionResult {
  events: DeviceEvent[];
  /** What the decoder had the central write, in order. */
  writes: BleWrite[];
  /** Values the device sent on characteristics the central did not subscribe to (a simulator bug). */
  unsubscribed: GattRef[];
  /** Every value the decoder was given. */
  values: CharacteristicValue[];
  /** The context the decoder's `connected` was given. */
  context: BleConnectionContext;
  /** When the connection ended. */
  endMs: number;
}

/** All the characteristics of the simulator's GATT table. */
export function availableOf(sim: BleSimulator): GattRef[] {
  return sim.gatt.flatMap((s) => s.characteristics.map((c) => ({ service: s.uuid, characteristic: c.uuid })));
}

/** One connection, from `connected` to the device's (or the timeout's) disconnect. */
export function connectOnce(driver: BleDriver, sim: BleSimulator, opts: ConnectOptions): ConnectionResult {
  const stepMs = opts.stepMs ?? 100;
  const maxMs = opts.maxMs ?? 30_000;
  const decoder = opts.decoder ?? driver.createDecoder();
  const available = availableOf(sim);
  const have = new Set(available.map(key));
  const modes = new Map<string, 'notify' | 'indicate'>();
  let now = opts.nowMs;
  const context: BleConnectionContext = {
    nowMs: now,
    utcOffsetMin: opts.utcOffsetMin ?? 0,
    address: sim.address,
    available,
    ...(opts.lastSeq !== undefined ? { lastSeq: opts.lastSeq } : {}),
    ...(opts.lastT !== undefined ? { lastT: opts.lastT } : {}),
  };
  const res: ConnectionResult = { events: [], writes: [], unsubscribed: [], values: [], context, endMs: opts.nowMs };
  const feed = (v: CharacteristicValue): void => {
    res.values.push(v);
    const events = decoder.value(v, now);
    res.events.push(...events);
    opts.onValue?.(v, now, events);
  };
  const deliver = (emissions: readonly { service: string; characteristic: string; bytes: Uint8Array }[]): void => {
    for (const e of emissions) {
      const mode = modes.get(key(e));
      if (!mode) {
        res.unsubscribed.push({ service: e.service, characteristic: e.characteristic });
        continue;
      }
      feed({ service: e.service, characteristic: e.characteristic, bytes: e.bytes, via: mode });
      flush();
    }
  };
  const flush = (): void => {
    for (let round = 0; round < 8; round++) {
      const out = decoder.takeOutgoing();
      if (out.length === 0) return;
      for (const w of out) {
        res.writes.push(w);
        deliver(sim.write(w, Uint8Array.from(w.bytes), now));
      }
    }
  };

  sim.connected(now);
  res.events.push(...decoder.connected(context));
  for (const r of driver.link.read) {
    if (!have.has(key(r))) {
      if (r.optional) continue;
      throw new Error(`the simulator has no ${r.characteristic} to read`);
    }
    const bytes = sim.read(r, now);
    if (bytes !== undefined) feed({ service: r.service, characteristic: r.characteristic, bytes, via: 'read' });
  }
  const pending: { service: string; characteristic: string; bytes: Uint8Array }[] = [];
  for (const s of driver.link.subscribe) {
    if (!have.has(key(s))) {
      if (s.optional) continue;
      throw new Error(`the simulator has no ${s.characteristic} to subscribe to`);
    }
    modes.set(key(s), s.mode);
    pending.push(...sim.subscribed(s, true, now));
  }
  deliver(pending);
  flush();
  const start = now;
  while (!sim.wantsDisconnect(now) && now - start < maxMs) {
    now += stepMs;
    deliver(sim.advance(now));
    flush();
  }
  sim.disconnected(now);
  res.events.push(...decoder.disconnected(now));
  res.endMs = now;
  return res;
}

/** The first time from `fromMs` (in `stepMs` steps, at most `maxMs` later) at which the simulator advertises. */
export function waitAdvertising(sim: BleSimulator, fromMs: number, maxMs = 60_000, stepMs = 100): number | undefined {
  for (let t = fromMs; t <= fromMs + maxMs; t += stepMs) if (sim.advertising(t)) return t;
  return undefined;
}
