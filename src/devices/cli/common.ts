import { ALL_DRIVER_IDS, BLE_DRIVERS, DRIVERS, findBleDriver, findDriver } from '../../../drivers/index.ts';
import type { BleDriver, Driver } from '../../shared/driver.ts';
import { defaultDevicesConfig, loadDevicesConfig, type DevicesConfig } from '../config.ts';

/** A failure to report as one line on stderr with a non-zero exit (never a stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A serial / HID driver, or a Bluetooth LE one (`transport: 'ble'`). */
export type AnyDriver = Driver | BleDriver;

export function isBle(d: AnyDriver): d is BleDriver {
  return d.manifest.transport === 'ble';
}

export function requireDriver(id: string | undefined): AnyDriver {
  if (!id) throw new CliError('Missing --driver ID (run `cabin-devices drivers` for the list).', 2);
  const d = findDriver(id) ?? findBleDriver(id);
  if (!d) {
    throw new CliError(`Unknown driver '${id}'. Known drivers: ${[...DRIVERS, ...BLE_DRIVERS].map((x) => x.manifest.id).join(', ')}.`, 2);
  }
  return d;
}

/** A Bluetooth address as BlueZ spells it (`AA:BB:CC:DD:EE:FF`), from any case; undefined when it is not one. */
export function parseAddress(text: string): string | undefined {
  const a = text.trim().toUpperCase();
  return /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(a) ? a : undefined;
}

export function readConfig(file: string | undefined): DevicesConfig {
  if (!file) return defaultDevicesConfig();
  try {
    return loadDevicesConfig(file, ALL_DRIVER_IDS);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** Writes a line to stdout, waiting when the pipe is full (so a slow reader never loses lines). */
export function writeOut(text: string): Promise<void> | undefined {
  if (process.stdout.write(text)) return undefined;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** Resolves on Ctrl-C / SIGTERM, after `seconds` when given, or when `other` settles first. */
export async function untilStopped(seconds: number | undefined, other: Promise<unknown>): Promise<void> {
  let done: () => void = () => {};
  const signalled = new Promise<void>((resolve) => (done = resolve));
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  const timer = seconds === undefined ? undefined : setTimeout(done, seconds * 1000);
  try {
    await Promise.race([signalled, other]);
  } finally {
    process.off('SIGINT', done);
    process.off('SIGTERM', done);
    clearTimeout(timer);
  }
}

export function parseSeconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--seconds must be a positive number, not '${v}'.`, 2);
  return n;
}
