import { writeFileSync } from 'node:fs';

export interface ToneWavOptions {
  /** Tone frequencies (Hz), all at the same amplitude. */
  tones: readonly number[];
  seconds: number;
  /** Peak amplitude of each tone, 0–1 (webrtc.md's method uses 0.03). */
  amplitude?: number;
  rate?: number;
}

/**
 * A 16-bit PCM mono WAV of equal-amplitude sine tones: the stethoscope for Chromium's
 * `--use-file-for-fake-audio-capture`. Tones are spread in phase so their peaks do not add up.
 */
export function toneWav({ tones, seconds, amplitude = 0.03, rate = 48_000 }: ToneWavOptions): Buffer {
  if (tones.length === 0) throw new Error('at least one tone');
  if (amplitude * tones.length > 1) throw new Error(`${tones.length} tones of amplitude ${amplitude} would clip`);
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < tones.length; k++) v += amplitude * Math.sin(2 * Math.PI * tones[k]! * (i / rate) + (k * Math.PI) / tones.length);
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export function writeToneWav(path: string, opts: ToneWavOptions): string {
  writeFileSync(path, toneWav(opts));
  return path;
}
