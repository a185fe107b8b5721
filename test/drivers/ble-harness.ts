import fc from 'fast-check';
import { expect } from 'vitest';
import { inRange, measurement } from '../../src/shared/catalogue.ts';
import { DeviceEventSchema, type DeviceEvent, type ObservationEvent } from '../../src/shared/device-event.ts';
import type { BleDecoder, BleDriver, BleSimulator, BleWrite, CharacteristicValue, GattRef, SimulatorValues } from '../../src/shared/driver.ts';
import { normaliseUuid } from '../../drivers/_ble/uuid.ts';

/**
 * Drives a BleSimulator as a central would (and as src/devices/ble/session.ts does): waits until it advertises,
 * connects, gives the decoder `connected`, reads the link's reads the device has, subscribes, then writes what the
 * decoder asks (after the subscriptions, then after every value), advances time until the device ends the connection.
 * Everything on a simulated clock; no timers.
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
}

export interface ConnectionResult {
  events: DeviceEvent[];
  /** What the decoder had the central write, in order. */
  writes: BleWrite[];
  /** Values the device sent on characteristics the central did not subscribe to (a simulator bug). */
  unsubscribed: GattRef[];
  /** Every value the decoder was given. */
  values: CharacteristicValue[];
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
  const res: ConnectionResult = { events: [], writes: [], unsubscribed: [], values: [], endMs: opts.nowMs };
  let now = opts.nowMs;
  const feed = (v: CharacteristicValue): void => {
    res.values.push(v);
    res.events.push(...decoder.value(v, now));
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
  res.events.push(
    ...decoder.connected({
      nowMs: now,
      utcOffsetMin: opts.utcOffsetMin ?? 0,
      address: sim.address,
      available,
      ...(opts.lastSeq !== undefined ? { lastSeq: opts.lastSeq } : {}),
      ...(opts.lastT !== undefined ? { lastT: opts.lastT } : {}),
    }),
  );
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

/**
 * Keeps the cabin's record mark across connections as main does (per device: the highest seq and the latest `t`
 * delivered) and drops the stored readings already delivered, as the BLE session does.
 */
export class RecordMemory {
  seq: number | undefined;
  t: number | undefined;
  duplicates = 0;

  keep(events: readonly DeviceEvent[]): DeviceEvent[] {
    const out: DeviceEvent[] = [];
    // Decided once per measurement, against the mark before this batch (its other values carry the same seq and t).
    const decided = new Map<string, boolean>();
    let seqMark = this.seq;
    let tMark = this.t;
    for (const e of events) {
      if (e.kind === 'observation' && e.measurementId !== undefined) {
        const seq = e.record?.seq;
        const stored = e.record?.stored === true || seq !== undefined;
        let old = decided.get(e.measurementId);
        if (old === undefined) {
          old = (seq !== undefined && this.seq !== undefined && seq <= this.seq) || (seq === undefined && stored && e.t !== undefined && this.t !== undefined && e.t <= this.t);
          decided.set(e.measurementId, old);
          if (old) this.duplicates++;
        }
        if (old) continue;
        if (seq !== undefined) seqMark = Math.max(seq, seqMark ?? -1);
        if (e.t !== undefined) tMark = Math.max(e.t, tMark ?? -Infinity);
      }
      out.push(e);
    }
    this.seq = seqMark;
    this.t = tMark;
    return out;
  }
}

export interface EpisodeOptions extends Omit<ConnectOptions, 'nowMs' | 'lastSeq' | 'lastT' | 'decoder'> {
  /** When the measurement is made (`set` on the simulator). */
  atMs: number;
  values?: SimulatorValues;
  memory?: RecordMemory;
}

/** A measurement made at `atMs`, then the connection that delivers it (undefined: the device never advertised). */
export function episode(driver: BleDriver, sim: BleSimulator, opts: EpisodeOptions): (ConnectionResult & { kept: DeviceEvent[] }) | undefined {
  sim.set({ ...opts.values, completeMeasurement: true });
  const at = waitAdvertising(sim, opts.atMs);
  if (at === undefined) return undefined;
  const memory = opts.memory ?? new RecordMemory();
  const res = connectOnce(driver, sim, {
    ...opts,
    nowMs: at,
    ...(memory.seq !== undefined ? { lastSeq: memory.seq } : {}),
    ...(memory.t !== undefined ? { lastT: memory.t } : {}),
  });
  return { ...res, kept: memory.keep(res.events) };
}

export const observations = (events: readonly DeviceEvent[]): ObservationEvent[] => events.filter((e): e is ObservationEvent => e.kind === 'observation');
export const statusesOf = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [e.detail === undefined ? e.status : `${e.status}/${e.detail}`] : []));

export function hexBytes(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => parseInt(clean.slice(i * 2, i * 2 + 2), 16));
}

/** Every event passes the schema; every observation has a code of the manifest, the catalogue's unit, a value in range. */
export function expectValidBleEvents(driver: BleDriver, events: readonly DeviceEvent[]): void {
  for (const e of events) {
    const parsed = DeviceEventSchema.safeParse(e);
    expect(parsed.success, JSON.stringify(e)).toBe(true);
    if (e.kind === 'observation') {
      expect(driver.manifest.codes).toContain(e.code);
      expect(e.unit).toBe(measurement(e.code).unit);
      expect(inRange(e.code, e.value), `${e.code}=${e.value} out of range`).toBe(true);
    }
  }
}

/** Property: any values on any of the link's characteristics (and DIS/CTS) never throw and give only valid events. */
export function checkBleFuzz(driver: BleDriver, extra: readonly GattRef[] = [], runs = 300): void {
  const refs: { ref: GattRef; via: CharacteristicValue['via'] }[] = [
    ...driver.link.read.map((r) => ({ ref: { service: r.service, characteristic: r.characteristic }, via: 'read' as const })),
    ...driver.link.subscribe.map((s) => ({ ref: { service: s.service, characteristic: s.characteristic }, via: s.mode })),
    ...extra.map((ref) => ({ ref, via: 'indicate' as const })),
  ];
  const available = refs.map((r) => r.ref);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(refs.length - 1), fc.uint8Array({ maxLength: 40 })), { maxLength: 30 }),
      fc.integer({ min: 0, max: 4_000_000_000_000 }),
      fc.integer({ min: -720, max: 840 }),
      (values, nowMs, utcOffsetMin) => {
        const d = driver.createDecoder();
        const events: DeviceEvent[] = [...d.connected({ nowMs, utcOffsetMin, address: 'AA:BB:CC:DD:EE:FF', available })];
        for (const [i, bytes] of values) {
          const { ref, via } = refs[i]!;
          events.push(...d.value({ ...ref, bytes, via }, nowMs));
          d.takeOutgoing();
        }
        events.push(...d.disconnected(nowMs));
        expectValidBleEvents(driver, events);
      },
    ),
    { numRuns: runs },
  );
}

/** The manifest's pairing words: both languages, French typography (no plain space inside « » or before : ; ! ?). */
export function expectPairingWords(driver: BleDriver): void {
  const words = driver.manifest.ble.pairingMode;
  expect(words?.fr.length).toBeGreaterThan(10);
  expect(words?.en.length).toBeGreaterThan(10);
  expect(words!.fr).not.toMatch(/« | »| [:;!?]|[^\u00a0\u202f][:;!?»]|«[^\u00a0\u202f]/);
}
