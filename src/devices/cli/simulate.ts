import type { Driver } from '../../shared/driver.ts';
import { SerialTransport } from '../transports/serial.ts';
import { CliError, untilStopped } from './common.ts';

/**
 * Plays a device on a serial port (e.g. one end of a socat pair): streams what the device would send and
 * answers the host's commands as the device would.
 */
export async function simulateCommand(driver: Driver, path: string, scenario?: string, seconds?: number): Promise<number> {
  const m = driver.manifest;
  if (m.transport !== 'serial' || !m.serial) {
    throw new CliError(`${m.id} is a USB HID device: it cannot be played on a serial port (use its simulator in tests or the demo).`, 2);
  }
  if (scenario !== undefined && !driver.scenarios.includes(scenario)) {
    throw new CliError(`Unknown scenario '${scenario}' for ${m.id}. Known: ${driver.scenarios.join(', ')}.`, 2);
  }
  const sim = driver.createSimulator(scenario);
  const transport = new SerialTransport(path, m.serial);
  const t0 = Date.now();
  const write = (chunks: Uint8Array[]): void => {
    for (const c of chunks) void transport.send({ kind: 'data', bytes: Array.from(c) }).catch(() => undefined);
  };
  transport.onData((bytes) => write(sim.receive({ kind: 'data', bytes: Array.from(bytes) }, Date.now() - t0)));
  let lostError: Error | undefined;
  const lost = new Promise<void>((resolve) =>
    transport.onLost((e) => {
      lostError = e;
      resolve();
    }),
  );
  try {
    await transport.open();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  process.stderr.write(`simulating ${m.id} (${scenario ?? driver.scenarios[0]}) on ${path}; Ctrl-C to stop\n`);
  const timer = setInterval(() => write(sim.advance(Date.now() - t0)), 10);
  await Promise.race([untilStopped(seconds), lost]);
  clearInterval(timer);
  await transport.close();
  if (lostError) throw new CliError(lostError.message);
  return 0;
}
