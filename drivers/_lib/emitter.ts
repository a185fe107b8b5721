import { inRange, measurement, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, DeviceStatus, ObservationEvent } from '../../src/shared/device-event.ts';
import type { AbsentReason } from '../../src/shared/observation.ts';

/** An observation is repeated at least this often while it stays valid, so late joiners see it. */
export const REPEAT_MS = 1000;
/** A changing value is emitted at most this often (a 60 Hz device must not flood the store and the link). */
export const MIN_INTERVAL_MS = 250;

/** What an observation may carry besides its value (ObservationEventSchema): set by the decoders whose devices say it. */
export type ObservationExtra = Partial<Pick<ObservationEvent, 'decimals' | 'reported' | 'flags' | 'deviceClock' | 'record'>>;

/**
 * One observation in the catalogue's unit, with the extra fields that are set: an undefined field or an empty `flags`
 * is left out; `reported`, `flags`, `deviceClock` and `record` are copied, so events never share them.
 */
export function observationEvent(code: MdcCode, value: number, t: number, measurementId?: string, extra: ObservationExtra = {}): ObservationEvent {
  return event(code, { value }, t, measurementId, extra);
}

/**
 * An observation without a value: the device sent a special value (`absent`: NaN, NRes, ±INFINITY, reserved) where
 * the number should be. The record keeps that the device measured and said "no number" (FHIR dataAbsentReason).
 */
export function absentEvent(code: MdcCode, absent: AbsentReason, t: number, measurementId?: string, extra: ObservationExtra = {}): ObservationEvent {
  // No number, so neither its decimals nor the device's own value.
  const { decimals: _d, reported: _r, ...rest } = extra;
  return event(code, { absent }, t, measurementId, rest);
}

function event(code: MdcCode, v: { value: number } | { absent: AbsentReason }, t: number, measurementId?: string, extra: ObservationExtra = {}): ObservationEvent {
  const { decimals, reported, flags, deviceClock, record } = extra;
  return {
    kind: 'observation',
    code,
    ...v,
    unit: measurement(code).unit,
    t,
    ...(measurementId !== undefined ? { measurementId } : {}),
    ...(decimals !== undefined ? { decimals } : {}),
    ...(reported ? { reported: { ...reported } } : {}),
    ...(flags && flags.length > 0 ? { flags: [...flags] } : {}),
    ...(deviceClock ? { deviceClock: { ...deviceClock } } : {}),
    ...(record ? { record: { ...record } } : {}),
  };
}

/**
 * Collects the events of one `push()` call with the rules every decoder follows:
 * - an observation is emitted when its value changes (at most every MIN_INTERVAL_MS: the latest value wins),
 *   or again after REPEAT_MS, and only when it lies in the catalogue's valid range (otherwise it is dropped
 *   and `observe` returns false); values of a measurement (`measurementId`) are always emitted;
 * - an observation leaves with the `extra` fields given with it (decimals, device clock, flags…);
 * - a special value (`absent`) is emitted once when a code goes from values to "no number", not again until a value
 *   came back (a 1 Hz oximeter with the finger out must not record one every second); always within a measurement;
 * - a status is emitted only when it (or its detail) changes;
 * - waveform samples accumulate and leave as one event per code per `push()` (see `take`).
 */
export class Emitter {
  private readonly lastObs = new Map<MdcCode, { value: number; t: number }>();
  /** The codes whose last word was a special value (emitted once until a value comes back). */
  private readonly absentCodes = new Set<MdcCode>();
  private lastStatus: string | undefined;
  private readonly wave = new Map<MdcCode, { rate: number; samples: number[]; t: number }>();
  private out: DeviceEvent[] = [];

  /**
   * Emits `value` for `code` (with `extra`, see observationEvent) if valid and new (or due for repeat). Returns false
   * when out of range.
   */
  observe(code: MdcCode, value: number, t: number, measurementId?: string, extra?: ObservationExtra): boolean {
    if (!inRange(code, value)) return false;
    this.absentCodes.delete(code);
    // Every value of a measurement counts (a second identical reading is a new measurement).
    if (measurementId !== undefined) {
      this.out.push(observationEvent(code, value, t, measurementId, extra));
      return true;
    }
    const prev = this.lastObs.get(code);
    const due = !prev || t - prev.t >= REPEAT_MS || (prev.value !== value && t - prev.t >= MIN_INTERVAL_MS);
    if (due) {
      this.lastObs.set(code, { value, t });
      this.out.push(observationEvent(code, value, t, undefined, extra));
    }
    return true;
  }

  /**
   * The device sent a special value for `code` instead of a number: emitted within a measurement always, otherwise
   * once on the change from values (or nothing) to "no number", not again until a value of `code` came back.
   */
  absent(code: MdcCode, reason: AbsentReason, t: number, measurementId?: string, extra?: ObservationExtra): void {
    if (measurementId !== undefined) {
      this.out.push(absentEvent(code, reason, t, measurementId, extra));
      return;
    }
    if (this.absentCodes.has(code)) return;
    this.absentCodes.add(code);
    this.lastObs.delete(code);
    this.out.push(absentEvent(code, reason, t, undefined, extra));
  }

  /** Forgets the last value of `code`, so the next valid value is emitted at once (e.g. after finger-out). */
  forget(code: MdcCode): void {
    this.lastObs.delete(code);
  }

  status(status: DeviceStatus, t: number, detail?: string): void {
    const key = detail === undefined ? status : `${status}\u0000${detail}`;
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.out.push(detail === undefined ? { kind: 'status', status, t } : { kind: 'status', status, detail, t });
  }

  sample(code: MdcCode, rate: number, value: number, t: number): void {
    let w = this.wave.get(code);
    if (!w) {
      w = { rate, samples: [], t };
      this.wave.set(code, w);
    }
    if (w.samples.length === 0) w.t = t;
    w.samples.push(value);
  }

  /** The events collected since the last call, waveforms last (one event per code). */
  take(): DeviceEvent[] {
    for (const [code, w] of this.wave) {
      if (w.samples.length > 0) {
        this.out.push({ kind: 'waveform', code, rate: w.rate, samples: w.samples, t: w.t });
        w.samples = [];
      }
    }
    const events = this.out;
    this.out = [];
    return events;
  }
}
