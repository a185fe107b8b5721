import type { Db } from './open.ts';
import { WaveformInputSchema, parse, type WaveformInput } from './schema.ts';

export type SampleFormat = 'i16le' | 'f32le';

export interface WaveformRecord {
  id: number;
  sessionId: string;
  deviceId: string;
  code: string;
  rate: number;
  t: number;
  format: SampleFormat;
  samples: number[];
}

const isInt16 = (v: number) => Number.isInteger(v) && v >= -32768 && v <= 32767;

/**
 * Samples are stored little-endian whatever the CPU: Int16 when every sample is an integer in range (the device
 * scales of the pleth and most waveforms: exact, 2 bytes each), else Float32 (4 bytes, ~7 significant digits).
 */
export function encodeSamples(samples: readonly number[]): { format: SampleFormat; blob: Buffer } {
  if (samples.every(isInt16)) {
    const blob = Buffer.alloc(samples.length * 2);
    samples.forEach((v, i) => blob.writeInt16LE(v, i * 2));
    return { format: 'i16le', blob };
  }
  const blob = Buffer.alloc(samples.length * 4);
  samples.forEach((v, i) => blob.writeFloatLE(v, i * 4));
  return { format: 'f32le', blob };
}

export function decodeSamples(format: SampleFormat, blob: Buffer): number[] {
  const size = format === 'i16le' ? 2 : 4;
  const out: number[] = [];
  for (let o = 0; o + size <= blob.length; o += size) out.push(format === 'i16le' ? blob.readInt16LE(o) : blob.readFloatLE(o));
  return out;
}

export function addWaveformChunk(db: Db, input: WaveformInput): number {
  const c = parse(WaveformInputSchema, input, 'a waveform chunk');
  const { format, blob } = encodeSamples(c.samples);
  const r = db
    .stmt(`INSERT INTO waveform_chunks (session_id, device_id, code, rate, t, format, samples) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run(c.sessionId, c.deviceId, c.code, c.rate, c.t, format, blob);
  return Number(r.lastInsertRowid);
}

export function waveformsOf(db: Db, sessionId: string): WaveformRecord[] {
  const rows = db
    .stmt(
      `SELECT id, session_id AS sessionId, device_id AS deviceId, code, rate, t, format, samples
       FROM waveform_chunks WHERE session_id = ? ORDER BY id`,
    )
    .all(sessionId) as (Omit<WaveformRecord, 'samples'> & { samples: Buffer })[];
  return rows.map((r) => ({ ...r, samples: decodeSamples(r.format, r.samples) }));
}
