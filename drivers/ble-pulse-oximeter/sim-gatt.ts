import type { GattRef, GattServiceSpec } from '../../src/shared/driver.ts';
import { currentTimeBytes } from '../_ble/datetime.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';

/**
 * The device side of Device Information and Current Time, shared by the SIG-profile simulators (belongs in
 * drivers/_ble beside BleCommon, which is outside this zone). The clock may run off the cabin's by `skewMs`.
 */
export class SimDeviceBasics {
  skewMs = 0;

  constructor(private readonly dis: { manufacturer: string; model: string; serial: string; firmware: string }) {}

  readonly services: GattServiceSpec[] = [
    {
      uuid: UUID.deviceInformation,
      characteristics: [UUID.manufacturerName, UUID.modelNumber, UUID.serialNumber, UUID.firmwareRevision].map((uuid) => ({ uuid, properties: ['read'] as const })),
    },
    { uuid: UUID.currentTimeService, characteristics: [{ uuid: UUID.currentTime, properties: ['read', 'write', 'notify'] }] },
  ];

  /** The device's local time offset: a device set by hand shows the local time of where it is. */
  static utcOffsetMin(ms: number): number {
    return -new Date(ms).getTimezoneOffset();
  }

  deviceMs(nowMs: number): number {
    return nowMs + this.skewMs;
  }

  read(ref: GattRef, nowMs: number): Uint8Array | undefined {
    const ch = normaliseUuid(ref.characteristic);
    const text: Record<string, string> = {
      [UUID.manufacturerName]: this.dis.manufacturer,
      [UUID.modelNumber]: this.dis.model,
      [UUID.serialNumber]: this.dis.serial,
      [UUID.firmwareRevision]: this.dis.firmware,
    };
    if (ch !== undefined && text[ch] !== undefined) return new TextEncoder().encode(text[ch]);
    if (ch === UUID.currentTime) return Uint8Array.from(currentTimeBytes(this.deviceMs(nowMs), SimDeviceBasics.utcOffsetMin(nowMs)));
    return undefined;
  }

  /** A Current Time write sets the clock; returns false for any other characteristic. */
  write(ref: GattRef, bytes: Uint8Array): boolean {
    if (normaliseUuid(ref.characteristic) !== UUID.currentTime) return false;
    if (bytes.length >= 7) this.skewMs = 0;
    return true;
  }
}
