import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { DeviceEvent, WaveformEvent } from '../../shared/device-event.ts';
import type { Driver } from '../../shared/driver.ts';
import { CliError, writeOut } from './common.ts';

/**
 * A capture is replayed in slices of this much device time, so decoders see time pass as on the line. It is
 * also the resolution of every `t`: a frame is stamped with the start of the slice it completes in.
 */
const SLICE_MS = 20;

/**
 * Waveform events of one code are joined while each starts where the samples so far end, give or take this
 * much: the slice's resolution, and two sample periods for the frames of a slice (a decoder stamps all the
 * samples of one push with the push's time). A later start is a gap (finger out, lost lock): a new line.
 */
export function gapToleranceMs(rate: number): number {
  return SLICE_MS + 2000 / rate;
}

/**
 * Decodes a capture of a serial device to one DeviceEvent JSON object per line. A capture holds raw bytes
 * only, so time is rebuilt from the position in the file at the rate the device sends (`bytesPerSecond` of
 * its manifest, else its line rate): `t` is milliseconds from the start of the capture. Waveform samples are
 * gathered into one line per second of signal, stamped with the decoder's time of their first frame; a pause
 * in the samples (a finger-out gap) ends the line, and the next line starts at its own time.
 */
/** `next` starts later than the samples of `held` end: the signal paused in between. */
function isGap(held: WaveformEvent, next: WaveformEvent): boolean {
  if (held.t === undefined || next.t === undefined) return false;
  const end = held.t + (held.samples.length * 1000) / held.rate;
  return next.t - end > gapToleranceMs(held.rate);
}

export async function decodeCommand(driver: Driver, file: string): Promise<number> {
  const m = driver.manifest;
  if (m.transport !== 'serial' || !m.serial) {
    throw new CliError(`${m.id} is a USB HID device: its traffic is request/response reports, not a byte capture to decode.`, 2);
  }
  const lineRate = m.serial.baudRate / (1 + m.serial.dataBits + (m.serial.parity === 'none' ? 0 : 1) + m.serial.stopBits);
  const bytesPerMs = (m.bytesPerSecond ?? lineRate) / 1000;
  const slice = Math.max(1, Math.round(bytesPerMs * SLICE_MS));
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  const decoder = driver.createDecoder();
  const waves = new Map<string, WaveformEvent>();
  let offset = 0;
  let text = '';
  const flushWave = (w: WaveformEvent): void => {
    text += JSON.stringify(w) + '\n';
    waves.delete(w.code);
  };
  const take = (e: DeviceEvent): void => {
    if (e.kind !== 'waveform') {
      text += JSON.stringify(e) + '\n';
      return;
    }
    const w = waves.get(e.code);
    if (w && (w.rate !== e.rate || isGap(w, e))) flushWave(w);
    const held = waves.get(e.code);
    if (!held) waves.set(e.code, { ...e, samples: [...e.samples] });
    else for (const s of e.samples) held.samples.push(s);
    const line = waves.get(e.code)!;
    if (line.samples.length >= line.rate) flushWave(line);
  };
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
    for (const w of [...waves.values()]) flushWave(w);
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
