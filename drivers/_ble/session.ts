import type { DeviceClock, DeviceEvent, IdentityEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleSettings, BleWrite, CharacteristicValue } from '../../src/shared/driver.ts';
import { currentTimeBytes, readDateTime } from './datetime.ts';
import { UUID, normaliseUuid } from './uuid.ts';

/** Default tolerance before a device clock is called skewed. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

const DIS_FIELDS: Readonly<Record<string, keyof Omit<IdentityEvent, 'kind' | 'device' | 't'>>> = {
  [UUID.manufacturerName]: 'manufacturer',
  [UUID.modelNumber]: 'model',
  [UUID.serialNumber]: 'serial',
  [UUID.firmwareRevision]: 'firmware',
  [UUID.hardwareRevision]: 'hardware',
  [UUID.softwareRevision]: 'software',
};

/** The link's reads every BLE health driver starts with: Device Information, then the device's Current Time. */
export const IDENTITY_AND_CLOCK_READS = [
  ...Object.keys(DIS_FIELDS).map((characteristic) => ({ service: UUID.deviceInformation, characteristic, optional: true })),
  { service: UUID.deviceInformation, characteristic: UUID.systemId, optional: true },
  { service: UUID.currentTimeService, characteristic: UUID.currentTime, optional: true },
] as const;

/** Printable text of a UTF-8 string characteristic, trimmed of NULs and control characters; undefined when empty. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } catch {
    return undefined;
  }
  const clean = text.replace(/[\u0000-\u001f\u007f\ufffd]/g, '').trim().slice(0, 100);
  return clean === '' ? undefined : clean;
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * What every BLE health decoder shares, per connection: the device's identity (Device Information and its address),
 * its clock (Current Time read on connect, compared with the cabin's, written when the manifest allows), and the
 * `deviceClock` to put on each reading. Decoders hand it every value; it answers the ones it owns.
 */
export class BleCommon {
  private ctx: BleConnectionContext | undefined;
  private identity: Partial<Record<string, string>> = {};
  private clockOffsetMs: number | undefined;
  private clockUnset = false;
  private outgoing: BleWrite[] = [];
  private clockWritten = false;
  /** The offset before this connection's clock write (at `atMs`): readings the device stamped until then keep it. */
  private beforeWrite: { offsetMs: number; untilDeviceMs: number; atMs: number } | undefined;

  constructor(private readonly settings: BleSettings) {}

  private get tolerance(): number {
    return this.settings.clockToleranceMs ?? CLOCK_TOLERANCE_MS;
  }

  /** A new connection: the address is part of the identity. */
  connected(ctx: BleConnectionContext): DeviceEvent[] {
    this.ctx = ctx;
    this.clockOffsetMs = undefined;
    this.clockUnset = false;
    this.clockWritten = false;
    this.beforeWrite = undefined;
    this.outgoing = [];
    if (this.identity.address === ctx.address) return [];
    this.identity = { address: ctx.address };
    return [{ kind: 'identity', address: ctx.address, t: ctx.nowMs }];
  }

  /** Handles Device Information and Current Time values; returns undefined for a value that is not one of those. */
  value(v: CharacteristicValue, nowMs: number): DeviceEvent[] | undefined {
    const service = normaliseUuid(v.service);
    const ch = normaliseUuid(v.characteristic);
    if (service === UUID.deviceInformation && ch !== undefined) {
      const field = ch === UUID.systemId ? 'systemId' : DIS_FIELDS[ch];
      if (!field) return [];
      const text = field === 'systemId' ? (v.bytes.length === 8 ? hex(v.bytes) : undefined) : utf8Text(v.bytes);
      if (text === undefined || this.identity[field] === text) return [];
      this.identity[field] = text;
      return [{ kind: 'identity', ...this.identity, t: nowMs } as IdentityEvent];
    }
    if (ch === UUID.currentTime && v.via === 'read') {
      this.readClock(v.bytes, nowMs);
      return [];
    }
    return undefined;
  }

  private readClock(bytes: Uint8Array, nowMs: number): void {
    const utc = this.ctx?.utcOffsetMin ?? 0;
    const time = readDateTime(bytes, 0, utc);
    if (time.ok) {
      this.clockOffsetMs = time.ms - nowMs;
      this.clockUnset = false;
    } else {
      this.clockOffsetMs = undefined;
      this.clockUnset = time.reason !== 'short';
    }
    const off = this.clockUnset || (this.clockOffsetMs !== undefined && Math.abs(this.clockOffsetMs) > this.tolerance);
    const can = this.ctx?.available.some((a) => normaliseUuid(a.characteristic) === UUID.currentTime) ?? false;
    const want = this.settings.setClock === 'always' || (this.settings.setClock === 'when-skewed' && off);
    if (can && want && !this.clockWritten) {
      this.clockWritten = true;
      this.outgoing.push({ service: UUID.currentTimeService, characteristic: UUID.currentTime, bytes: currentTimeBytes(nowMs, utc) });
      // From now on the device keeps the cabin's time; what it stamped before keeps the offset it had.
      if (this.clockOffsetMs !== undefined) this.beforeWrite = { offsetMs: this.clockOffsetMs, untilDeviceMs: nowMs + this.clockOffsetMs, atMs: nowMs };
      this.clockOffsetMs = 0;
      this.clockUnset = false;
    }
  }

  takeOutgoing(): BleWrite[] {
    const out = this.outgoing;
    this.outgoing = [];
    return out;
  }

  /**
   * The clock of a reading stamped `deviceMs` by the device (undefined: no time in the value; `unset`: a year 0 time):
   * its time on the cabin's clock and the state the doctor sees. Without a Current Time read, a live reading's own
   * stamp is compared with its arrival; a stored one's cannot be, and its clock is `unknown` unless it is unset.
   */
  clockOf(deviceMs: number | 'unset' | undefined, nowMs: number, live: boolean): { t: number; deviceClock: DeviceClock } {
    if (deviceMs === 'unset' || (this.clockUnset && deviceMs === undefined)) return { t: nowMs, deviceClock: { state: 'unset' } };
    if (deviceMs === undefined) return { t: nowMs, deviceClock: this.clockOffsetMs === undefined ? { state: 'unknown' } : this.state(this.clockOffsetMs) };
    // A stamp between the write and now (±1 s of whole seconds) is on the new clock, even from a clock that was fast.
    const b = this.beforeWrite;
    const stampedBefore = b !== undefined && deviceMs <= b.untilDeviceMs && !(deviceMs >= b.atMs - 1000 && deviceMs <= nowMs + 1000);
    let offset = stampedBefore ? b.offsetMs : this.clockOffsetMs;
    if (offset === undefined && live) offset = deviceMs - nowMs;
    if (offset === undefined) return { t: deviceMs, deviceClock: { state: 'unknown' } };
    return { t: deviceMs - offset, deviceClock: this.state(offset) };
  }

  private state(offsetMs: number): DeviceClock {
    return { state: Math.abs(offsetMs) > this.tolerance ? 'skewed' : 'set', offsetMs: Math.round(offsetMs) };
  }
}
