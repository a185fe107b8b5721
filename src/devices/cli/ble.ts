import { BLE_DRIVERS } from '../../../drivers/index.ts';
import type { BleDriver } from '../../shared/driver.ts';
import { BluezCentral } from '../ble/bluez/central.ts';
import type { Advertisement, BleCentral, BleConnection, PairResult } from '../ble/central.ts';
import { matchAdvertisement } from '../ble/match.ts';

/**
 * The CLI's view of the machine's BLE central: BlueZ (on DBUS_SYSTEM_BUS_ADDRESS when set), remembering whether it
 * started (a technician asking for a BLE device must hear why Bluetooth is unusable, not wait for nothing), and, with
 * `only`, hearing one device alone, so no other device in range is connected (a cuff may delete what it sends).
 */
export class CliCentral implements BleCentral {
  startError: string | undefined;

  constructor(
    private readonly inner: BleCentral,
    private readonly only?: string,
  ) {}

  async start(): Promise<void> {
    try {
      await this.inner.start();
      this.startError = undefined;
    } catch (err) {
      this.startError = (err as Error).message;
      throw err;
    }
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  scan(on: boolean): Promise<void> {
    return this.inner.scan(on);
  }

  onAdvertisement(cb: (a: Advertisement) => void): void {
    this.inner.onAdvertisement((a) => {
      if (this.only === undefined || a.address === this.only) cb(a);
    });
  }

  onGone(cb: (address: string) => void): void {
    this.inner.onGone(cb);
  }

  connect(address: string, timeoutMs: number): Promise<BleConnection> {
    return this.inner.connect(address, timeoutMs);
  }

  pair(address: string, passkey?: string): Promise<PairResult> {
    return this.inner.pair(address, passkey);
  }

  forget(address: string): Promise<void> {
    return this.inner.forget(address);
  }
}

export function systemCentral(onWarning: (m: string) => void, only?: string): CliCentral {
  return new CliCentral(new BluezCentral({ onWarning }), only);
}

/** One BLE device heard by `list`. */
export interface BleRow {
  address: string;
  name: string | null;
  /** dBm of the last advertisement heard during the scan; null: known to BlueZ but not heard now. */
  rssi: number | null;
  paired: boolean;
  connected: boolean;
  services: string[];
  driver: string | null;
  reason: string;
}

export type BleScan = { available: true; seconds: number; devices: BleRow[] } | { available: false; detail: string };

/** Scans for `seconds` through BlueZ: every device heard (or known), with the driver it would get and why. */
export async function scanBle(seconds: number, drivers: readonly BleDriver[] = BLE_DRIVERS, central: BleCentral = new BluezCentral({ onWarning: () => {} })): Promise<BleScan> {
  const seen = new Map<string, Advertisement>();
  central.onAdvertisement((a) => {
    const before = seen.get(a.address);
    // A later advertisement without a signal (a property change) keeps the last signal heard.
    seen.set(a.address, { ...a, rssi: a.rssi ?? before?.rssi });
  });
  try {
    await central.start();
  } catch (err) {
    return { available: false, detail: (err as Error).message };
  }
  try {
    await central.scan(true);
    process.stderr.write(`scanning for Bluetooth LE devices for ${seconds} s…\n`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await central.scan(false).catch(() => undefined);
  } catch (err) {
    await central.stop().catch(() => undefined);
    return { available: false, detail: (err as Error).message };
  }
  await central.stop().catch(() => undefined);
  const devices = [...seen.values()]
    .sort((a, b) => (b.rssi ?? -999) - (a.rssi ?? -999) || a.address.localeCompare(b.address))
    .map((a): BleRow => {
      const m = matchAdvertisement(a, drivers);
      return {
        address: a.address,
        name: a.name ?? null,
        rssi: a.rssi ?? null,
        paired: a.paired,
        connected: a.connected,
        services: [...a.services],
        driver: m.driver?.manifest.id ?? null,
        reason: m.reason,
      };
    });
  return { available: true, seconds, devices };
}
