import type { BleDriver, Driver } from '../../shared/driver.ts';
import { MockPeripheral } from '../ble/bluez/mock-peripheral.ts';
import { SerialSimulator } from '../serial-simulator.ts';
import { CliError, untilStopped } from './common.ts';

/** `simulate`: plays a device on a serial port until stopped. */
export async function simulateCommand(driver: Driver, path: string, scenario?: string, seconds?: number): Promise<number> {
  const m = driver.manifest;
  if (m.transport !== 'serial') {
    throw new CliError(`${m.id} is a USB HID device: it cannot be played on a serial port (use its simulator in tests or the demo).`, 2);
  }
  if (scenario !== undefined && !driver.scenarios.includes(scenario)) {
    throw new CliError(`Unknown scenario '${scenario}' for ${m.id}. Known: ${driver.scenarios.join(', ')}.`, 2);
  }
  const device = new SerialSimulator(driver, path, scenario);
  let lostError: Error | undefined;
  const lost = new Promise<void>((resolve) =>
    device.onLost((e) => {
      lostError = e;
      resolve();
    }),
  );
  try {
    await device.start();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  process.stderr.write(`simulating ${m.id} (${scenario ?? driver.scenarios[0]}) on ${path}; Ctrl-C to stop\n`);
  await untilStopped(seconds, lost);
  await device.stop();
  if (lostError) throw new CliError(lostError.message);
  return 0;
}

/**
 * `simulate` of a Bluetooth LE driver: the device is added to the fake BlueZ on DBUS_SYSTEM_BUS_ADDRESS (a test bus
 * where python3-dbusmock runs test/helpers/fake-bluez/bluez_gatt.py) with its simulator's GATT table, and plays its
 * scenario there until stopped: a `watch` or a cabin on the same bus sees it advertise, connects and gets its values.
 */
export async function simulateBleCommand(driver: BleDriver, scenario?: string, seconds?: number): Promise<number> {
  const m = driver.manifest;
  if (scenario !== undefined && !driver.scenarios.includes(scenario)) {
    throw new CliError(`Unknown scenario '${scenario}' for ${m.id}. Known: ${driver.scenarios.join(', ')}.`, 2);
  }
  let peripheral: MockPeripheral;
  try {
    peripheral = await MockPeripheral.start(driver, scenario, { onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  process.stderr.write(`simulating ${m.id} (${scenario ?? driver.scenarios[0]}) as ${peripheral.address} on the test Bluetooth bus; Ctrl-C to stop\n`);
  const lost = new Promise<void>((resolve) => peripheral.onLost(() => resolve()));
  await untilStopped(seconds, lost);
  const why = peripheral.lostReason;
  await peripheral.stop();
  if (why) throw new CliError(why);
  return 0;
}
