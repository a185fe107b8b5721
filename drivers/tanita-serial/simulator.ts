import type { Frame, Simulator, SimulatorValues } from '../../src/shared/driver.ts';
import { tanitaSum } from './checksum.ts';
import { seededRandom } from '../_lib/random.ts';

/** on-demand: weighs only when someone steps on (`completeMeasurement`), as the demo's scale. */
export const scenarios = ['normal', 'noisy', 'bad-checksum', 'on-demand'] as const;
type Scenario = (typeof scenarios)[number];

const FIRST_MS = 3_000;
const EVERY_MS = 20_000;
/** The WB-3000 sends an "irrelevant signal" about 0.1 s after its data (protocols.md §5.1). */
const TRAILER_MS = 100;
const NOISE_EVERY_MS = 7_000;
/** The scale's clock at power-on (the SC-330 capture's date). */
const CLOCK_START = Date.UTC(2014, 8, 25, 8, 20, 0);
const HEADER = '{0,16,~0,1,~1,1,~2,1,';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const f1 = (v: number): string => v.toFixed(1);

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/**
 * A Tanita SC-330 that weighs someone at 3 s and then every 20 s (and whenever `completeMeasurement` is
 * set), pushing one tag,value line with its CS checksum each time.
 */
class TanitaSimulator implements Simulator {
  private count = 0;
  private nextAuto = FIRST_MS;
  private nextNoise = NOISE_EVERY_MS;
  private manual = false;
  private trailers: number[] = [];
  private weight: number | undefined;
  private height: number | undefined;
  private fat: number | undefined;
  private readonly random = seededRandom(0x7a41);

  constructor(private readonly scenario: Scenario) {
    if (scenario === 'on-demand') this.nextAuto = Infinity;
  }

  advance(nowMs: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.manual) {
      this.manual = false;
      out.push(this.measure(nowMs));
    }
    for (; this.nextAuto <= nowMs; this.nextAuto += EVERY_MS) out.push(this.measure(this.nextAuto));
    if (this.scenario === 'noisy') {
      for (; this.nextNoise <= nowMs; this.nextNoise += NOISE_EVERY_MS) out.push(this.garbage());
      while (this.trailers.length > 0 && this.trailers[0]! <= nowMs) {
        this.trailers.shift();
        out.push(this.garbage());
      }
    }
    return out;
  }

  receive(_frame: Frame, _nowMs: number): Uint8Array[] {
    return []; // Outside PC mode the scale ignores its input.
  }

  set(values: SimulatorValues): void {
    if (values.weight !== undefined) this.weight = values.weight;
    if (values.height !== undefined) this.height = values.height;
    if (values.bodyFat !== undefined) this.fat = values.bodyFat;
    if (values.completeMeasurement) this.manual = true;
  }

  private measure(t: number): Uint8Array {
    const k = this.count++;
    if (this.scenario === 'noisy') this.trailers.push(t + TRAILER_MS);
    const w = Math.round((this.weight ?? 72.4 + 0.4 * Math.sin(k * 0.9)) * 10) / 10;
    const h = Math.round((this.height ?? 175) * 10) / 10;
    const fat = Math.round((this.fat ?? 21.3 + 0.3 * Math.sin(k * 1.7)) * 10) / 10;
    const fatMass = (w * fat) / 100;
    const ffm = w - fatMass;
    const ideal = 22 * (h / 100) ** 2;
    const kcal = Math.round(500 + 21.6 * ffm);
    const d = new Date(CLOCK_START + t);
    const body =
      `${HEADER}MO,"SC-330",SN,"00012345",ID,"0000000000",` +
      `Da,"${pad(d.getUTCDate(), 2)}/${pad(d.getUTCMonth() + 1, 2)}/${d.getUTCFullYear()}",` +
      `TI,"${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}",Bt,0,GE,1,AG,34,Hm,${f1(h)},Pt,0.0,Wk,${f1(w)},` +
      `FW,${f1(fat)},fW,${f1(fatMass)},MW,${f1(ffm)},mW,${f1(ffm * 0.95)},sW,13,bW,${f1(ffm * 0.05)},` +
      `wW,${f1(ffm * 0.73)},ww,${f1((ffm * 73) / w)},MI,${f1(w / (h / 100) ** 2)},Sw,${f1(ideal)},` +
      `OV,${f1((w / ideal - 1) * 100)},IF,6,rb,${Math.round(kcal * 4.184)},rB,${kcal},rJ,13,rA,30,` +
      `ZF,${f1(500 + 15 * Math.sin(k * 1.3))},`;
    const bytes = bytesOf(body);
    // bad-checksum: every other measurement (the first one included) carries a wrong CS.
    const wrong = this.scenario === 'bad-checksum' && k % 2 === 0 ? 1 : 0;
    const cs = (tanitaSum(bytes, 0, bytes.length) + wrong) & 0xff;
    return bytesOf(`${body}CS,${cs.toString(16).toUpperCase().padStart(2, '0')}\r\n`);
  }

  /** Line noise / the WB-3000's trailing signal: random bytes, sometimes ending a line. */
  private garbage(): Uint8Array {
    const n = 1 + Math.floor(this.random() * 24);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.random() < 0.1 ? 0x0a : Math.floor(this.random() * 256);
    return out;
  }
}

export function createSimulator(scenario?: string): Simulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new TanitaSimulator(name);
}
