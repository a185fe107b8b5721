import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeToneWav } from '../test/helpers/wav.ts';
import { CATCH_PEERS, evaluate, round, sleep, startCall } from './call.ts';
import { printTable, writeResult } from './report.ts';

/**
 * Issue 4, "Stethoscope fidelity": a WAV of equal-amplitude tones plays as the kiosk's stethoscope (Chromium's fake
 * microphone); the level of each tone the doctor's page receives is compared with its level on the kiosk's local
 * stethoscope track before sending (webrtc.md §5 "Measuring the spectrum": AudioContext at 48 kHz → AnalyserNode,
 * fftSize 32768, no smoothing, power averaged over a few seconds, peak bin near each tone), both sides measured at
 * the same time. gainDb = received − sent (raw), also given relative to the 1 kHz tone.
 */

export const DEFAULT_TONES = [25, 30, 40, 50, 60, 80, 100, 150, 200, 400, 800, 1000] as const;
const TARGET_DB = 3;
const BAND: [number, number] = [25, 1000];
const SAMPLE_RATE = 48_000;
const FFT_SIZE = 32_768;
const BIN_HZ = SAMPLE_RATE / FFT_SIZE;
const AMPLITUDE = 0.03;
/** Received audio before the analysis: jitter buffer and Opus settle. */
const SETTLE_MS = 4000;
/** A level this low is silence (no audio reached the analyser). */
const SILENT_DB = -140;

/** Records the stethoscope's stream: the getUserMedia whose audio has echo cancellation off. */
export const CATCH_STETHOSCOPE = `(() => {
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  window.__benchSteth = null;
  md.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    const audio = constraints && typeof constraints.audio === 'object' ? constraints.audio : null;
    const track = stream.getAudioTracks()[0];
    if (audio && audio.echoCancellation === false && track) window.__benchSteth = stream;
    return stream;
  };
})();`;

/** `window.__benchSpectrum(stream, tones, ms, halfBins)`: mean power (dB) of the peak bin near each tone. */
export const SPECTRUM = `window.__benchSpectrum = async (stream, tones, ms, halfBins) => {
  const ctx = new AudioContext({ sampleRate: ${SAMPLE_RATE} });
  await ctx.resume();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = ${FFT_SIZE};
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const wait = (t) => new Promise((r) => setTimeout(r, t));
  // One whole FFT window of this stream's samples before the first frame.
  await wait(Math.ceil((analyser.fftSize / ctx.sampleRate) * 1000) + 200);
  const frame = new Float32Array(analyser.frequencyBinCount);
  const sum = new Float64Array(frame.length);
  let frames = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    analyser.getFloatFrequencyData(frame);
    for (let i = 0; i < frame.length; i++) sum[i] += Number.isFinite(frame[i]) ? Math.pow(10, frame[i] / 10) : 0;
    frames++;
    await wait(50);
  }
  const binHz = ctx.sampleRate / analyser.fftSize;
  const db = (p) => (p > 0 ? 10 * Math.log10(p / frames) : -200);
  const out = tones.map((hz) => {
    const centre = Math.round(hz / binHz);
    let best = -1;
    let bin = centre;
    for (let k = centre - halfBins; k <= centre + halfBins; k++) {
      if (k >= 0 && k < sum.length && sum[k] > best) { best = sum[k]; bin = k; }
    }
    return { hz, db: db(best), peakHz: bin * binHz };
  });
  const inBand = [];
  for (let k = Math.round(20 / binHz); k <= Math.round(1200 / binHz); k++) inBand.push(sum[k]);
  inBand.sort((a, b) => a - b);
  const floorDb = db(inBand[Math.floor(inBand.length / 2)] || 0);
  source.disconnect();
  await ctx.close();
  return { frames, sampleRate: ctx.sampleRate, tones: out, floorDb };
};`;

interface Spectrum {
  frames: number;
  sampleRate: number;
  tones: { hz: number; db: number; peakHz: number }[];
  floorDb: number;
}

export interface StethoscopeOptions {
  /** A WAV to play as the stethoscope; without it, a WAV of `tones` is generated. */
  wav?: string | undefined;
  /** The tones to measure (Hz); required with `wav`. */
  tones?: number[] | undefined;
  /** Seconds of averaging on each side. */
  seconds?: number | undefined;
}

/** A clear error for a file that is not a PCM/float RIFF WAVE (Chromium would silently play beeps instead). */
function checkWav(path: string): string {
  if (!existsSync(path)) throw new Error(`WAV file ${path} does not exist.`);
  const head = readFileSync(path).subarray(0, 12);
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a WAV file (no RIFF/WAVE header).`);
  }
  return path;
}

/** Half-width (bins) of the peak search: ±2 bins, narrowed so that neighbouring tones' windows never overlap. */
export function searchHalfBins(tones: readonly number[]): number {
  const sorted = [...tones].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, (sorted[i]! - sorted[i - 1]!) / BIN_HZ);
  if (gap < 3) throw new Error(`Tones ${sorted.join(', ')} Hz are too close to be resolved (at least ${(3 * BIN_HZ).toFixed(1)} Hz apart).`);
  return Math.max(1, Math.min(2, Math.floor((gap - 1) / 2)));
}

export async function benchStethoscope(opts: StethoscopeOptions = {}): Promise<boolean> {
  if (opts.wav !== undefined && opts.tones === undefined) throw new Error('--wav needs --tones (the frequencies in the file, e.g. --tones 25,40,1000).');
  const tones = [...new Set(opts.tones ?? DEFAULT_TONES)].sort((a, b) => a - b);
  if (tones.some((hz) => hz >= SAMPLE_RATE / 2)) throw new Error(`Tones must be under ${SAMPLE_RATE / 2} Hz.`);
  const halfBins = searchHalfBins(tones);
  const seconds = opts.seconds ?? 3;
  const tmp = mkdtempSync(join(tmpdir(), 'cabin-steth-'));
  try {
    const wav =
      opts.wav !== undefined
        ? checkWav(resolve(opts.wav))
        : writeToneWav(join(tmp, 'tones.wav'), { tones, seconds: 10, amplitude: Math.min(AMPLITUDE, 0.9 / tones.length) });
    console.log(`\nstethoscope: ${opts.wav ?? `generated WAV, ${tones.length} equal tones`} as the stethoscope; ${tones.join(', ')} Hz; ${seconds} s of averaging…`);
    const chain = await startCall({ wav, cabinInit: `${CATCH_PEERS}\n${CATCH_STETHOSCOPE}\n${SPECTRUM}`, doctorInit: SPECTRUM });
    try {
      // The doctor's <audio> element must play the remote stream for WebAudio to get its samples (webrtc.md §5).
      const deadline = Date.now() + 30_000;
      const ready = `(() => {
        const el = document.querySelector('[data-testid="audio-stethoscope"]');
        const s = el && el.srcObject;
        return !!(s && s.getAudioTracks().some((t) => t.readyState === 'live') && !el.paused && el.currentTime > 0.5);
      })()`;
      while (!(await evaluate<boolean>(chain.doctorPage, ready))) {
        if (Date.now() > deadline) throw new Error("The doctor's page is not playing a stethoscope stream 30 s into the call.");
        await sleep(250);
      }
      if (!(await evaluate<boolean>(chain.cabinPage, '!!window.__benchSteth'))) {
        throw new Error('The kiosk page opened no audio track with echoCancellation:false (the stethoscope).');
      }
      await sleep(SETTLE_MS);
      const codec = await evaluate<string>(
        chain.cabinPage,
        `(async () => {
          const track = window.__benchSteth.getAudioTracks()[0];
          for (const pc of window.__benchPcs || []) {
            if (pc.connectionState === 'closed') continue;
            for (const sender of pc.getSenders()) {
              if (!sender.track || sender.track.id !== track.id) continue;
              const report = await sender.getStats();
              let line = '';
              report.forEach((s) => { if (s.type === 'codec') line = s.mimeType + ' ' + (s.sdpFmtpLine || ''); });
              const out = [...report.values()].find((s) => s.type === 'outbound-rtp');
              return line + (out && out.targetBitrate ? ' (target ' + out.targetBitrate + ' bps)' : '');
            }
          }
          return 'stethoscope track not sent';
        })()`,
      );
      const ms = seconds * 1000;
      const args = `${JSON.stringify(tones)}, ${ms}, ${halfBins}`;
      // Control, not judged: the patient-voice track plays the same WAV (every fake microphone does) through voice
      // processing and mono Opus, so the method must show its low-frequency loss (webrtc.md §0).
      const voice = `(() => { const el = document.querySelector('[data-testid="audio-voice"]'); const s = el && el.srcObject; return s && s.getAudioTracks().length > 0 ? window.__benchSpectrum(s, ${args}) : null; })()`;
      const [sent, received, control] = await Promise.all([
        evaluate<Spectrum>(chain.cabinPage, `window.__benchSpectrum(window.__benchSteth, ${args})`),
        evaluate<Spectrum>(chain.doctorPage, `window.__benchSpectrum(document.querySelector('[data-testid="audio-stethoscope"]').srcObject, ${args})`),
        evaluate<Spectrum | null>(chain.doctorPage, voice),
      ]);
      const ref = tones.includes(1000) ? 1000 : undefined;
      const gainAt = (hz: number): number => received.tones.find((t) => t.hz === hz)!.db - sent.tones.find((t) => t.hz === hz)!.db;
      const refGain = ref !== undefined ? gainAt(ref) : NaN;
      const rows = tones.map((hz, i) => {
        const s = sent.tones[i]!;
        const r = received.tones[i]!;
        const gain = r.db - s.db;
        const silent = r.db < SILENT_DB || s.db < SILENT_DB;
        const inBand = hz >= BAND[0] && hz <= BAND[1];
        return {
          hz,
          gainDb: round(gain, 2),
          gainRel1kHzDb: ref !== undefined ? round(gain - refGain, 2) : null,
          sentDb: round(s.db, 2),
          receivedDb: round(r.db, 2),
          controlVoiceGainDb: control ? round(control.tones[i]!.db - s.db, 2) : null,
          sentRel1kHzDb: ref !== undefined ? round(s.db - sent.tones.find((t) => t.hz === ref)!.db, 2) : null,
          ok: inBand ? !silent && Math.abs(gain) <= TARGET_DB : null,
        };
      });
      const judged = rows.filter((r) => r.ok !== null);
      const met = judged.length > 0 && judged.every((r) => r.ok === true);
      const result = {
        tones: rows,
        wav: opts.wav ?? `generated: ${tones.length} tones, amplitude ${Math.min(AMPLITUDE, 0.9 / tones.length)} each, 48 kHz mono 16-bit, 10 s looped`,
        sentCodec: codec,
        averagingS: seconds,
        framesAveraged: { sent: sent.frames, received: received.frames },
        noiseFloorDb: { sent: round(sent.floorDb, 1), received: round(received.floorDb, 1) },
        peakSearchBins: halfBins,
        target: `|gainDb| ≤ ${TARGET_DB} dB for every tone from ${BAND[0]} Hz to ${BAND[1]} Hz`,
        met,
        method:
          'Both pages at once: AudioContext({sampleRate:48000}) → AnalyserNode fftSize 32768 (1.46 Hz bins), smoothing 0, power ' +
          `averaged over ${seconds} s (one frame every 50 ms), peak bin within ±${halfBins} bins of each tone. sent = the kiosk's local ` +
          "stethoscope track (the getUserMedia with echoCancellation:false, before sending); received = the doctor's " +
          'audio-stethoscope element srcObject (kept playing). gainDb = received − sent; gainRel1kHzDb = gainDb − gainDb(1 kHz). ' +
          "controlVoiceGainDb (not judged) = the doctor's audio-voice track (same WAV, voice processing on) − sent: shows the method sees a filtered path.",
      };
      printTable(
        `Stethoscope fidelity: received − sent per tone (sent codec: ${codec})`,
        rows.map((r) => ({
          Hz: r.hz,
          'sent dB': r.sentDb,
          'received dB': r.receivedDb,
          'gain dB': r.gainDb,
          'gain vs 1 kHz dB': r.gainRel1kHzDb ?? '',
          'sent vs 1 kHz dB': r.sentRel1kHzDb ?? '',
          'control: voice track dB': r.controlVoiceGainDb ?? '',
          [`±${TARGET_DB} dB`]: r.ok === null ? 'n/a' : r.ok ? 'yes' : 'NO',
        })),
      );
      console.log(`noise floor (median 20–1200 Hz bin): sent ${result.noiseFloorDb.sent} dB, received ${result.noiseFloorDb.received} dB; ${met ? 'target met' : 'TARGET MISSED'}`);
      console.log(`→ ${writeResult('stethoscope', result)}`);
      return met;
    } finally {
      await chain.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
