import { createWriteStream, type WriteStream } from 'node:fs';
import { normaliseUuid } from '../../../drivers/_ble/uuid.ts';
import type { HostMessage } from '../../shared/device-host.ts';
import type { BleDriver, CharacteristicValue } from '../../shared/driver.ts';
import { createDeviceManager } from '../host.ts';
import { LinkSession } from '../link-session.ts';
import { SerialTransport } from '../transports/serial.ts';
import type { DevicesConfig } from '../config.ts';
import { systemCentral } from './ble.ts';
import { CliError, isBle, untilStopped, type AnyDriver } from './common.ts';

function openOut(out: string): Promise<WriteStream> {
  const file = createWriteStream(out);
  return new Promise((resolve, reject) => {
    file.once('open', () => resolve(file));
    file.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CliError(e.code === 'ENOENT' ? `Cannot create ${out}: its folder does not exist.` : `Cannot write ${out}: ${e.message}`)),
    );
  });
}

/**
 * Records the raw bytes a serial device sends to a file, for support and offline replay. The driver's link
 * runs meanwhile (start command, keep-alive, polling), since many devices only talk when asked. The port is
 * opened first, so a mistyped port never overwrites an existing file.
 */
export async function captureCommand(driver: AnyDriver, path: string, out: string, seconds?: number): Promise<number> {
  if (isBle(driver)) throw new CliError(`${driver.manifest.id} is a Bluetooth LE device: capture it without --port (--address AA:BB:CC:DD:EE:FF for one device).`, 2);
  const m = driver.manifest;
  if (m.transport !== 'serial' || !m.serial) throw new CliError(`${m.id} is not a serial device: capture records serial ports.`, 2);
  const transport = new SerialTransport(path, m.serial);
  const received: Uint8Array[] = [];
  let file: WriteStream | undefined;
  let total = 0;
  const session = new LinkSession(driver, { send: (f) => void transport.send(f).catch(() => undefined), emit: () => {} });
  let lostError: Error | undefined;
  const lost = new Promise<void>((resolve) =>
    transport.onLost((e) => {
      lostError = e;
      resolve();
    }),
  );
  transport.onData((bytes) => {
    total += bytes.length;
    const copy = Uint8Array.from(bytes);
    if (file) file.write(copy);
    else received.push(copy);
    session.onData(bytes, Date.now());
  });
  try {
    await transport.open();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  try {
    file = await openOut(out);
  } catch (err) {
    await transport.close();
    throw err;
  }
  for (const r of received.splice(0)) file.write(r);
  process.stderr.write(`capturing ${path} (${m.id}) to ${out}; Ctrl-C to stop\n`);
  session.start(Date.now());
  const ticker = setInterval(() => session.tick(Date.now()), 50);
  await untilStopped(seconds, lost);
  clearInterval(ticker);
  session.stop(Date.now());
  await transport.close();
  const f = file;
  await new Promise<void>((resolve) => f.end(resolve));
  process.stderr.write(`captured ${total} bytes\n`);
  if (lostError) throw new CliError(lostError.message);
  return 0;
}

/** One line of a BLE capture: what `decode` reads back (decode-ble.ts). */
export function captureLine(v: CharacteristicValue, t: number, address: string): string {
  return (
    JSON.stringify({
      t,
      service: normaliseUuid(v.service) ?? v.service,
      characteristic: normaliseUuid(v.characteristic) ?? v.characteristic,
      value: Buffer.from(v.bytes).toString('hex'),
      via: v.via,
      address,
    }) + '\n'
  );
}

/**
 * Records every characteristic value of the BLE devices the driver recognises (or the one at `address`) as they come:
 * one JSON object per line (captureLine). The driver's link runs as in the cabin (reads, subscriptions, the clock and
 * record requests its decoder asks for), since devices send only when asked. Bluetooth is started before the file is
 * opened, so a machine without Bluetooth never overwrites a capture.
 */
export async function captureBleCommand(driver: BleDriver, config: DevicesConfig, out: string, seconds?: number, address?: string): Promise<number> {
  const id = driver.manifest.id;
  let file: WriteStream | undefined;
  const pending: string[] = [];
  let count = 0;
  const central = systemCentral((w) => process.stderr.write(`warning: ${w}\n`), address);
  const manager = createDeviceManager([], { ...config, ports: [], simulate: [] }, {
    lister: async () => [],
    filter: { driver: id },
    bleDrivers: [driver],
    bleCentral: central,
    bleAssignAll: true,
    onBleValue: (deviceId, v, t) => {
      const line = captureLine(v, t, deviceId.slice(deviceId.lastIndexOf('@ble:') + 5));
      count++;
      if (file) file.write(line);
      else pending.push(line);
    },
  });
  manager.onMessage((m: HostMessage) => {
    if (m.type === 'log') process.stderr.write(`${m.level}: ${m.message}\n`);
    else if (m.type === 'attached') process.stderr.write(`${m.device.name} at ${m.device.address ?? m.device.path} (${m.device.reason})\n`);
    else if (m.type === 'link') process.stderr.write(`  ${m.deviceId}: ${m.state}${m.detail ? ` (${m.detail})` : ''}\n`);
  });
  await manager.start();
  await manager.bluetoothTried();
  if (central.startError !== undefined) {
    await manager.stop();
    throw new CliError(`Bluetooth is not available: ${central.startError}`);
  }
  try {
    file = await openOut(out);
  } catch (err) {
    await manager.stop();
    throw err;
  }
  for (const line of pending.splice(0)) file.write(line);
  process.stderr.write(`capturing ${address ?? `every ${id} device`} to ${out} as its values come; Ctrl-C to stop\n`);
  await untilStopped(seconds, new Promise(() => {}));
  await manager.stop();
  const f = file;
  await new Promise<void>((resolve) => f.end(resolve));
  process.stderr.write(`captured ${count} values\n`);
  return 0;
}
