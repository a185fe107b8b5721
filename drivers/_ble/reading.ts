import type { MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, DeviceStatus, ObservationEvent } from '../../src/shared/device-event.ts';
import type { BleSettings, CharacteristicValue } from '../../src/shared/driver.ts';
import type { AbsentReason } from '../../src/shared/observation.ts';
import { absentEvent, Emitter, observationEvent, type ObservationExtra } from '../_lib/emitter.ts';
import type { DateTime } from './datetime.ts';
import { BleDecoderBase } from './decoder.ts';
import type { BleCommon } from './session.ts';
import { normaliseUuid } from './uuid.ts';

/**
 * What the decoders of one-off measurements share (blood pressure, thermometer, scale): a measurement's id, its time
 * and whether it came from the device's memory, its observations, and statuses on change.
 */

/** A reading stamped more than this before the connection opened came from the device's memory. */
export const LIVE_WINDOW_MS = 2 * 60_000;

/** A value in the catalogue's unit with its decimals, and the device's own value where it was converted. */
export interface Converted {
  readonly value: number;
  readonly decimals: number;
  readonly reported?: { readonly value: number; readonly unit: string; readonly decimals: number };
}

/** A measurement's own time stamp: none, `unset` (year 0 or an impossible date), or a time. */
export type Stamp = { readonly ms: number; readonly fields: DateTime } | 'unset' | undefined;

/** What the observations of one measurement have in common. */
export type MeasurementFields = { readonly t: number; readonly measurementId: string } & Omit<ObservationExtra, 'decimals' | 'reported'>;

export type Timing = ReturnType<BleCommon['clockOf']> & { readonly stored: boolean };

/**
 * The reading's time on the cabin's clock, its device clock, and whether it came from memory: stamped more than
 * LIVE_WINDOW_MS before the connection (on the device clock read at connect, else on its own stamp taken as is).
 */
export function timing(common: BleCommon, deviceMs: number | 'unset' | undefined, nowMs: number, connectedAt: number): Timing {
  if (typeof deviceMs !== 'number') return { ...common.clockOf(deviceMs, nowMs, true), stored: false };
  const ref = common.clockOf(deviceMs, nowMs, false);
  const stored = ref.t < connectedAt - LIVE_WINDOW_MS;
  if (stored || ref.deviceClock.state !== 'unknown') return { ...ref, stored };
  return { ...common.clockOf(deviceMs, nowMs, true), stored: false };
}

/** The device's DateTime as digits, `YYYYMMDDhhmmss`: with the address, the id of the measurement it stamps. */
export function dateTimeDigits(f: DateTime): string {
  return [f.year, f.month, f.day, f.hours, f.minutes, f.seconds].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0')).join('');
}

/** A short fingerprint of a value's bytes (FNV-1a, 32 bits, hex): the same bytes give the same id. */
export function valueId(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${bytes.length.toString(16)}${h.toString(16).padStart(8, '0')}`;
}

/** One observation of a measurement, in the catalogue's unit. */
export function observation(code: MdcCode, v: Converted, fields: MeasurementFields): ObservationEvent {
  const { t, measurementId, ...extra } = fields;
  return observationEvent(code, v.value, t, measurementId, { ...extra, decimals: v.decimals, reported: v.reported });
}

/** One observation of a measurement whose value the device gave as a special value (`absent`, no number). */
export function absentObservation(code: MdcCode, absent: AbsentReason, fields: MeasurementFields): ObservationEvent {
  const { t, measurementId, ...extra } = fields;
  return absentEvent(code, absent, t, measurementId, extra);
}

/**
 * A decoder of one service whose values are one-off measurements. Each measurement gets an id (the address and the
 * device's time stamp, else the record's seq, else the arrival), is given once per connection, and carries its
 * time, device clock and `record` (seq, or `stored` when it came from memory). Statuses go out only on change.
 */
export abstract class MeasurementDecoder extends BleDecoderBase {
  private readonly statuses = new Emitter();
  private counter = 0;
  private emitted = new Set<string>();

  constructor(
    settings: BleSettings,
    private readonly service: string,
  ) {
    super(settings);
  }

  override connected(ctx: Parameters<BleDecoderBase['connected']>[0]): DeviceEvent[] {
    this.emitted = new Set();
    return super.connected(ctx);
  }

  protected own(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    if (normaliseUuid(v.service) !== this.service) return [];
    return this.characteristic(normaliseUuid(v.characteristic), v, nowMs);
  }

  /** A value of the decoder's service, by its characteristic (normalised). */
  protected abstract characteristic(ch: string | undefined, v: CharacteristicValue, nowMs: number): DeviceEvent[];

  /** The status, or nothing when it (and its detail) is the one already given. */
  protected status(status: DeviceStatus, t: number, detail?: string): DeviceEvent[] {
    this.statuses.status(status, t, detail);
    return this.statuses.take();
  }

  /** The fields a new measurement's observations share, or undefined when this connection already gave it. */
  protected measurement(stamp: Stamp, nowMs: number, seq?: number, raw?: Uint8Array): MeasurementFields | undefined {
    const address = this.ctx?.address ?? 'unknown';
    // Stable across connections, so a reading the device sends again is known again: its own time stamp, else its
    // record number, else its bytes (a device whose clock is unset resends the very same value).
    const id =
      stamp !== undefined && stamp !== 'unset'
        ? `${address}-${dateTimeDigits(stamp.fields)}`
        : seq !== undefined
          ? `${address}-seq${seq}`
          : raw !== undefined
            ? `${address}-h${valueId(raw)}`
            : `${address}-${Math.round(nowMs)}-${++this.counter}`;
    // The same reading twice in one connection (a record and the live indication, a repeated indication).
    if (this.emitted.has(id)) return undefined;
    this.emitted.add(id);
    const deviceMs = stamp === undefined ? undefined : stamp === 'unset' ? 'unset' : stamp.ms;
    const when = timing(this.common, deviceMs, nowMs, this.ctx?.nowMs ?? nowMs);
    const record = seq !== undefined ? { seq, stored: true } : when.stored ? { stored: true } : undefined;
    return { t: when.t, measurementId: id, deviceClock: when.deviceClock, ...(record ? { record } : {}) };
  }

  /** A measurement's observations, then `ok`: from now on the device is recognised. */
  protected delivered(observations: readonly DeviceEvent[], nowMs: number): DeviceEvent[] {
    this.known = true;
    return [...observations, ...this.status('ok', nowMs)];
  }

  /**
   * A measurement the device reported as failed (a special value where the main number should be): its observations
   * (the record keeps that it said "no number"), then the `error` status with `detail`, so the kiosk asks the patient
   * to measure again. The device answered in its profile: it is recognised.
   */
  protected failed(observations: readonly DeviceEvent[], nowMs: number, detail: string): DeviceEvent[] {
    this.known = true;
    return [...observations, ...this.status('error', nowMs, detail)];
  }
}
