import { createWriteStream } from 'node:fs';
import type { Driver } from '../../shared/driver.ts';
import { LinkSession } from '../link-session.ts';
import { SerialTransport } from '../transports/serial.ts';
import { CliError, untilStopped } from './common.ts';

/**
 * Records the raw bytes a serial device sends to a file, for support and offline replay. The driver's link
 * runs meanwhile (start command, keep-alive, polling), since many devices only talk when asked.
 */
export async function captureCommand(driver: Driver, path: string, out: string, seconds?: number): Promise<number> {
  const m = driver.manifest;
  if (m.transport !== 'serial' || !m.serial) throw new CliError(`${m.id} is not a serial device: capture records serial ports.`, 2);
  const file = createWriteStream(out);
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CliError(e.code === 'ENOENT' ? `Cannot create ${out}: its folder does not exist.` : `Cannot write ${out}: ${e.message}`)),
    );
  });
  const transport = new SerialTransport(path, m.serial);
  const session = new LinkSession(driver, { send: (f) => void transport.send(f).catch(() => undefined), emit: () => {} });
  let total = 0;
  let lostError: Error | undefined;
  const lost = new Promise<void>((resolve) =>
    transport.onLost((e) => {
      lostError = e;
      resolve();
    }),
  );
  transport.onData((bytes) => {
    total += bytes.length;
    file.write(bytes);
    session.onData(bytes, Date.now());
  });
  try {
    await transport.open();
  } catch (err) {
    file.close();
    throw new CliError((err as Error).message);
  }
  process.stderr.write(`capturing ${path} (${m.id}) to ${out}; Ctrl-C to stop\n`);
  session.start(Date.now());
  const ticker = setInterval(() => session.tick(Date.now()), 50);
  await Promise.race([untilStopped(seconds), lost]);
  clearInterval(ticker);
  session.stop(Date.now());
  await transport.close();
  await new Promise<void>((resolve) => file.end(resolve));
  process.stderr.write(`captured ${total} bytes\n`);
  if (lostError) throw new CliError(lostError.message);
  return 0;
}
