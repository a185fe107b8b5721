import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { DeviceEvent } from '../../shared/device-event.ts';
import { CliError, isBle, writeOut, type AnyDriver } from './common.ts';
import { decodeBleCommand } from './decode-ble.ts';
import { SLICE_MS, WaveLines } from './wave-lines.ts';

// A capture is replayed in slices of SLICE_MS of device time, so decoders see time pass as on the line; it is also
// the resolution of every `t` (a frame is stamped with the start of the slice it completes in).


/**
 * Decodes a capture of a serial device to one DeviceEvent JSON object per line. A capture holds raw bytes
 * only, so time is rebuilt from the position in the file at the rate the device sends (`bytesPerSecond` of
 * its manifest, else its line rate): `t` is milliseconds from the start of the capture. Waveform samples are
 * gathered into one line per second of signal, stamped with the decoder's time of their first frame; a pause
 * in the samples (a finger-out gap) ends the line, and the next line starts at its own time.
 */
export async function decodeCommand(driver: AnyDriver, file: string, opts: { utcOffsetMin?: number } = {}): Promise<number> {
  if (isBle(driver)) return decodeBleCommand(driver, file, opts);
  const m = driver.manifest;
  if (m.transport !== 'serial' || !m.serial) {
    throw new CliError(`${m.id} is a USB HID device: its traffic is request/response reports, not a byte capture to decode.`, 2);
  }
  const lineRate = m.serial.baudRate / (1 + m.serial.dataBits + (m.serial.parity === 'none' ? 0 : 1) + m.serial.stopBits);
  const bytesPerMs = (m.bytesPerSecond ?? lineRate) / 1000;
  const slice = Math.max(1, Math.round(bytesPerMs * SLICE_MS));
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  const decoder = driver.createDecoder();
  let text = '';
  const lines = new WaveLines((line) => (text += line));
  const take = (e: DeviceEvent): void => lines.take(e);
  let offset = 0;
  try {
    for await (const chunk of input) {
      const bytes = chunk as Buffer;
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      for (let i = 0; i < view.length; i += slice) {
        const piece = view.subarray(i, i + slice);
        for (const e of decoder.push(piece, Math.round(offset / bytesPerMs))) take(e);
        offset += piece.length;
      }
      if (text.length > 0) {
        await writeOut(text);
        text = '';
      }
    }
    lines.flush();
    if (text.length > 0) await writeOut(text);
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
