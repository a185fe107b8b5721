import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { BleNearby, HostMessage } from '../../shared/device-host.ts';
import type { BleDriver } from '../../shared/driver.ts';
import type { Advertisement } from './central.ts';
import { matchAdvertisement } from './match.ts';

export interface NearbyListOptions {
  drivers: readonly BleDriver[];
  clock: Clock;
  emit(m: HostMessage): void;
  /** The devices assigned to this cabin (address → driver id), as the manager holds them now. */
  assigned(): ReadonlyMap<string, string>;
  /** Every device a driver recognises counts as the cabin's (the demo). */
  assignAll?: boolean;
}

/** A publication waits this long, so a burst of advertisements makes one message. */
const PUBLISH_AFTER_MS = 250;

/**
 * The assistant's list of Bluetooth devices nearby: what was heard of each (a device replayed from BlueZ's cache keeps
 * the signal strength last heard), and the `ble-nearby` message the pairing panel shows, with the driver each device
 * would get, how it pairs and whether it is the cabin's.
 */
export class NearbyList {
  private readonly heard = new Map<string, Advertisement & { seenAt: number }>();
  private timer: TimerHandle | undefined;
  /** The assistant's panel is open: changes are published as they happen. */
  private open = false;

  constructor(private readonly opts: NearbyListOptions) {}

  get scanning(): boolean {
    return this.open;
  }

  get(address: string): (Advertisement & { seenAt: number }) | undefined {
    return this.heard.get(address);
  }

  heardNow(a: Advertisement, now: number): void {
    const before = this.heard.get(a.address);
    this.heard.set(a.address, a.rssi === undefined && before ? { ...a, rssi: before.rssi, seenAt: before.seenAt } : { ...a, seenAt: now });
    if (this.open) this.publishSoon();
  }

  gone(address: string): void {
    this.heard.delete(address);
    if (this.open) this.publishSoon();
  }

  /** The panel opened or closed: the list is published at once. */
  setOpen(on: boolean): void {
    this.open = on;
    this.publish();
  }

  /** Something the list shows changed (an assignment, a pairing, a device forgotten). */
  changed(always = false): void {
    if (this.open || always) this.publishSoon();
  }

  stop(): void {
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private publishSoon(): void {
    if (this.timer !== undefined) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, PUBLISH_AFTER_MS);
  }

  private publish(): void {
    if (!this.open && this.heard.size === 0) return;
    const assigned = this.opts.assigned();
    const devices: BleNearby[] = [...this.heard.values()]
      .sort((a, b) => (b.rssi ?? -127) - (a.rssi ?? -127))
      .slice(0, 200)
      .map((a) => {
        const assignedDriver = assigned.get(a.address);
        const d = assignedDriver !== undefined ? this.opts.drivers.find((x) => x.manifest.id === assignedDriver) : matchAdvertisement(a, this.opts.drivers).driver;
        return {
          address: a.address,
          ...(a.name !== undefined ? { name: a.name.slice(0, 248) } : {}),
          ...(a.rssi !== undefined ? { rssi: Math.max(-127, Math.min(20, Math.round(a.rssi))) } : {}),
          services: a.services.slice(0, 64).map((s) => s.slice(0, 36)),
          ...(d
            ? {
                driver: d.manifest.id,
                category: d.manifest.category,
                pairing: d.manifest.ble.pairing,
                ...(d.manifest.ble.pairingMode ? { pairingMode: d.manifest.ble.pairingMode } : {}),
              }
            : {}),
          paired: a.paired,
          assigned: assignedDriver !== undefined || (this.opts.assignAll === true && d !== undefined),
          seenAt: a.seenAt,
        };
      });
    this.opts.emit({ type: 'ble-nearby', scanning: this.open, devices });
  }
}
