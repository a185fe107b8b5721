import { createWriteStream, type WriteStream } from 'node:fs';
import type { Driver } from '../../shared/driver.ts';
import { LinkSession } from '../link-session.ts';
import { SerialTransport } from '../transports/serial.ts';
import { CliError, untilStopped } from './common.ts';

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
export async function captureCommand(driver: Driver, path: string, out: string, seconds?: number): Promise<number> {
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
