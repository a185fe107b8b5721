import type { Frame, Simulator, SimulatorValues } from '../../src/shared/driver.ts';
import { checksum } from './packet.ts';
import { seededRandom } from '../_lib/random.ts';

/** on-demand: the probe stays in its well until taken out (`completeMeasurement`), for one cycle, as the demo's thermometer. */
export const scenarios = ['normal', 'error', 'noisy', 'on-demand'] as const;
type Scenario = (typeof scenarios)[number];

/** One cycle: probe in its well, taken out (measuring), result shown, probe put back. */
const CYCLE_MS = 20_000;
const OUT_AT = 2_000;
const PREDICT_MS = 4_000;
const MONITOR_MS = 8_000;
const BACK_AT = 14_000;
const ERROR_AFTER_MS = 2_000;
const ERROR_CODE = 3;
const SAMPLE_MS = 173;
const AMBIENT_C = 23;
const NOISE_EVERY_MS = 1_500;
const KELVIN = 273.15;
/** Record states besides 2 = ready are not documented: these are placeholders the decoder ignores. */
const STATE_READY = 2;
const STATE_MEASURING = 3;
const STATE_DONE = 4;

/** Builds a response packet byte by byte (the device side; only the checksum helper is shared). */
function response(cmd0: number, cmd1: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + data.length);
  out.set([0x03, 0x02, 0x10, cmd0, cmd1, 0x02, data.length & 0xff, data.length >> 8]);
  out.set(data, 8);
  out[out.length - 1] = checksum(out, out.length - 1);
  return out;
}

/**
 * A SureTemp Plus module: answers every "Send Temperature Record" poll with its current record and
 * "Set method" with a good response. Every 20 s the probe is taken out at 2 s, the prediction completes
 * 4 s later (8 s in monitor mode), the result stays until the probe goes back at 14 s.
 */
class SureTempSimulator implements Simulator {
  private method = 0;
  private cycleStart = 0;
  private lastNow = 0;
  private targetC = 37.2;
  private nextNoise = NOISE_EVERY_MS;
  private readonly random = seededRandom(0x51e7);

  constructor(private readonly scenario: Scenario) {
    // Never taken out yet: in its well, at room temperature.
    if (scenario === 'on-demand') this.cycleStart = -Infinity;
  }

  advance(nowMs: number): Uint8Array[] {
    this.lastNow = nowMs;
    const out: Uint8Array[] = [];
    if (this.scenario !== 'noisy') return out;
    for (; this.nextNoise <= nowMs; this.nextNoise += NOISE_EVERY_MS) out.push(this.garbage());
    return out;
  }

  receive(frame: Frame, nowMs: number): Uint8Array[] {
    this.lastNow = nowMs;
    const b = frame.bytes;
    const size = (b[6] ?? 0) | ((b[7] ?? 0) << 8);
    const valid = b.length === 9 + size && b[0] === 0x03 && b[1] === 0x02 && b[2] === 0x10 && b[5] === 0x01;
    if (!valid || checksum(b, b.length) !== 0) return []; // A garbled command is not answered.
    if (b[3] === 0x94 && b[4] === 0x1c) return [response(0x94, 0x1c, this.record(nowMs))];
    if (b[3] === 0x2a && b[4] === 0x12 && size === 1 && (b[8] === 0 || b[8] === 1)) {
      this.method = b[8];
      return [response(0x2a, 0x12, new Uint8Array(0))];
    }
    return [];
  }

  set(values: SimulatorValues): void {
    if (values.temperature !== undefined) this.targetC = values.temperature;
    // A new measurement: the probe is taken out now.
    if (values.completeMeasurement) this.cycleStart = this.lastNow - OUT_AT;
  }

  /** The 19-byte temperature record at `now`. */
  private record(now: number): Uint8Array {
    const since = now - this.cycleStart;
    // On demand the cycle is not repeated: once put back, the probe stays in its well.
    const phase = this.scenario === 'on-demand' ? since : ((since % CYCLE_MS) + CYCLE_MS) % CYCLE_MS;
    const measureMs = this.method === 1 ? MONITOR_MS : PREDICT_MS;
    const out = phase >= OUT_AT && phase < BACK_AT;
    const done = out && phase >= OUT_AT + measureMs;
    const failed = this.scenario === 'error' && out && phase >= OUT_AT + ERROR_AFTER_MS;
    const plateau = this.targetC - 0.4;
    let probeC = AMBIENT_C + 0.05 * Math.sin(now / 3_000);
    if (out) probeC = plateau - (plateau - AMBIENT_C) * Math.exp(-(phase - OUT_AT) / 1_500);
    else if (phase >= BACK_AT) probeC = AMBIENT_C + (plateau - AMBIENT_C) * Math.exp(-(phase - BACK_AT) / 3_000);
    const data = new Uint8Array(19);
    const v = new DataView(data.buffer);
    v.setFloat32(0, done && !failed ? this.targetC + KELVIN : 0, true);
    v.setFloat32(4, probeC + KELVIN, true);
    v.setUint32(8, out ? Math.floor((phase - OUT_AT) / SAMPLE_MS) : 0, true);
    v.setUint8(12, this.method);
    v.setUint8(13, 0); // oral algorithm
    v.setUint8(14, !out ? STATE_READY : done ? STATE_DONE : STATE_MEASURING);
    v.setUint16(15, failed ? ERROR_CODE : 0, true);
    v.setUint8(17, out ? 1 : 0);
    v.setUint8(18, 0); // oral/axillary probe
    return data;
  }

  /** Line noise, often starting like a packet. */
  private garbage(): Uint8Array {
    const n = 1 + Math.floor(this.random() * 12);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.random() * 256);
    if (this.random() < 0.5) out.set([0x03, 0x02, 0x10].slice(0, n));
    return out;
  }
}

export function createSimulator(scenario?: string): Simulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new SureTempSimulator(name);
}
