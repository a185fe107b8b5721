/**
 * A synthetic heartbeat for the demo's stethoscope (Chromium plays it as a fake microphone): S1 and S2 as
 * damped low-frequency bursts (S1 around 50–100 Hz, S2 a little higher and shorter), at 66 beats a minute,
 * as 16-bit PCM mono WAV. Not a recording: enough to see the spectrum and hear a rhythm in the doctor's console.
 */
export function heartbeatWav(seconds = 10, rate = 48_000, bpm = 66): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  const period = 60 / bpm;
  const burst = (t: number, f1: number, f2: number, tau: number): number =>
    t < 0 || t > 6 * tau ? 0 : Math.exp(-t / tau) * Math.sin(Math.PI * Math.min(1, t / 0.008)) ** 2 * (0.6 * Math.sin(2 * Math.PI * f1 * t) + 0.4 * Math.sin(2 * Math.PI * f2 * t));
  for (let i = 0; i < n; i++) {
    const t = (i / rate) % period;
    const v = 0.5 * burst(t, 55, 110, 0.025) + 0.35 * burst(t - 0.32, 75, 160, 0.018) + 0.002 * Math.sin(2 * Math.PI * 31 * (i / rate));
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
