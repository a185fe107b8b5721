import type { Driver } from '../../shared/driver.ts';
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
