import fc from 'fast-check';
import { expect } from 'vitest';
import { inRange, measurement } from '../../src/shared/catalogue.ts';
import { DeviceEventSchema, type DeviceEvent, type ObservationEvent } from '../../src/shared/device-event.ts';
import type { BleDriver, BleSimulator, CharacteristicValue, GattRef, SimulatorValues } from '../../src/shared/driver.ts';
import { connectOnce, waitAdvertising, type ConnectOptions, type ConnectionResult } from './ble-connect.ts';

// The central's part (no vitest in it, for the bench): the tests take it from here.
export { availableOf, connectOnce, waitAdvertising, type ConnectOptions, type ConnectionResult } from './ble-connect.ts';

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
      // A special value is an absent reason and no number (the schema checked one of the two); a number is in range.
      if (e.absent === undefined) expect(e.value !== undefined && inRange(e.code, e.value), `${e.code}=${e.value} out of range`).toBe(true);
      else expect(e.value, `${e.code} absent (${e.absent}) has no value`).toBeUndefined();
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
