/**
 * The BLE central as the device host sees it: the transport boundary of Bluetooth LE. Implemented over BlueZ's D-Bus
 * API (`bluez/`, bluetoothd keeps bonds and caches) and in memory over driver simulators (`simulated.ts`, the demo
 * and tests). UUIDs are normalised (`drivers/_ble/uuid.ts`); addresses are `AA:BB:CC:DD:EE:FF`, upper case.
 */

/** One advertisement (or a device BlueZ already knows, replayed when scanning starts). */
export interface Advertisement {
  readonly address: string;
  readonly name?: string;
  /** Signal strength of an advertisement just heard; absent for a device replayed from BlueZ's cache (not heard now). */
  readonly rssi?: number;
  /** Advertised service UUIDs, normalised. */
  readonly services: readonly string[];
  /** Bonded with this machine. */
  readonly paired: boolean;
  readonly connected: boolean;
}

export interface GattCharacteristicInfo {
  readonly service: string;
  readonly characteristic: string;
  /** BlueZ flags: 'read', 'write', 'write-without-response', 'notify', 'indicate', … */
  readonly flags: readonly string[];
}

export type PairResult = { ok: true } | { ok: false; reason: 'passkey-needed' | 'rejected' | 'timeout' | 'not-found' | 'failed'; detail: string };

export interface BleConnection {
  readonly address: string;
  /** Every characteristic of the device (services resolved). */
  characteristics(): readonly GattCharacteristicInfo[];
  read(service: string, characteristic: string): Promise<Uint8Array>;
  write(service: string, characteristic: string, bytes: Uint8Array, withResponse: boolean): Promise<void>;
  /** Notifications or indications (BlueZ chooses by the characteristic's flags); values arrive through `onValue`. */
  subscribe(service: string, characteristic: string): Promise<void>;
  onValue(cb: (service: string, characteristic: string, bytes: Uint8Array) => void): void;
  /**
   * The device went away or ended the connection (not called for `disconnect()`). Registered after the loss, the
   * callback is still called (once, asynchronously).
   */
  onDisconnect(cb: (reason: string) => void): void;
  disconnect(): Promise<void>;
}

export interface BleCentral {
  /** Starts listening (the adapter powered, known devices replayed). Rejects with a sentence when there is no adapter. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Discovery on or off (off: advertisements of known devices may still arrive, as BlueZ reports them). */
  scan(on: boolean): Promise<void>;
  onAdvertisement(cb: (a: Advertisement) => void): void;
  /** A device BlueZ forgot (removed, or out of range long enough). */
  onGone(cb: (address: string) => void): void;
  /** Connects and resolves the services (rejects with a DeviceError on failure or timeout). */
  connect(address: string, timeoutMs: number): Promise<BleConnection>;
  /** Bonds with the device through this process's agent (just works, or with the passkey the assistant typed). */
  pair(address: string, passkey?: string): Promise<PairResult>;
  /** Removes one device and its bond (BlueZ `Adapter1.RemoveDevice`); never the whole cache. */
  forget(address: string): Promise<void>;
}
