import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Driver } from '../../shared/driver.ts';
import { CliError, writeOut } from './common.ts';

/**
 * Decodes a capture of a serial device to one DeviceEvent JSON object per line. A capture holds raw bytes
 * only, so `t` is the time the bytes would have taken on the line at the driver's baud rate (ms from the
 * start of the capture).
 */
export async function decodeCommand(driver: Driver, file: string): Promise<number> {
  const m = driver.manifest;
  if (m.transport !== 'serial' || !m.serial) {
    throw new CliError(`${m.id} is a USB HID device: its traffic is request/response reports, not a byte capture to decode.`, 2);
  }
  const bytesPerMs = m.serial.baudRate / (1 + m.serial.dataBits + (m.serial.parity === 'none' ? 0 : 1) + m.serial.stopBits) / 1000;
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  const decoder = driver.createDecoder();
  let offset = 0;
  try {
    for await (const chunk of input) {
      const bytes = chunk as Buffer;
      const events = decoder.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), Math.round(offset / bytesPerMs));
      offset += bytes.length;
      if (events.length === 0) continue;
      let text = '';
      for (const e of events) text += JSON.stringify(e) + '\n';
      await writeOut(text);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new CliError(`Capture file ${file} does not exist.`);
    if (code === 'EACCES') throw new CliError(`Permission denied reading ${file}.`);
    if (code === 'EISDIR') throw new CliError(`${file} is a directory, not a capture file.`);
    if (code === 'EPIPE') return 0;
    throw err;
  }
  return 0;
}
