import type { Frame, Simulator, SimulatorValues } from '../../src/shared/driver.ts';
import { seededRandom } from '../_lib/random.ts';

export const scenarios = ['normal', 'finger-out', 'desaturation', 'noisy'] as const;
type Scenario = (typeof scenarios)[number];

/** The device clock at power-on (the Rad-8 manual's example date); it advances one second per line. */
const CLOCK_START = Date.UTC(2016, 1, 22, 22, 47, 45);
const SERIAL = '0000056661';
/** Lines of pulse search after the sensor is put back on, before numbers appear. */
const SEARCH_LINES = 3;
const DESAT_FROM = 97;
const DESAT_TO = 85;
const DESAT_MS = 60_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A Rad-8 in ASCII 1 mode: one line per second from power-on, the line of second n sent at n × 1000 ms. */
class MasimoSimulator implements Simulator {
  private lines = 0;
  private probeOff: boolean;
  private searchLeft = 0;
  private spo2: number | undefined;
  private pulse: number | undefined;
  private pi: number | undefined;
  private readonly random = seededRandom(0x5e7);

  constructor(private readonly scenario: Scenario) {
    this.probeOff = scenario === 'finger-out';
  }

  advance(nowMs: number): Uint8Array[] {
    const due = Math.floor(nowMs / 1000);
    let text = '';
    for (; this.lines < due; ) {
      this.lines++;
      if (this.scenario === 'noisy' && this.lines % 3 === 0) text += this.garbage();
      text += this.lineAt(this.lines * 1000);
    }
    if (text === '') return [];
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
    return [out];
  }

  receive(_frame: Frame, _nowMs: number): Uint8Array[] {
    return []; // The serial input is not used in ASCII 1 mode.
  }

  set(values: SimulatorValues): void {
    if (values.spo2 !== undefined) this.spo2 = values.spo2;
    if (values.pulse !== undefined) this.pulse = values.pulse;
    if (values.perfusionIndex !== undefined) this.pi = values.perfusionIndex;
    if (values.probeOff !== undefined) {
      if (this.probeOff && !values.probeOff) this.searchLeft = SEARCH_LINES;
      this.probeOff = values.probeOff;
    }
  }

  private lineAt(t: number): string {
    const d = new Date(CLOCK_START + t);
    const stamp =
      `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${pad(d.getUTCFullYear() % 100, 2)} ` +
      `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
    const tail = 'SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+--';
    if (this.probeOff || this.searchLeft > 0) {
      // Sensor off (0x20) or pulse search (0x08), both with the normal "Masimo SET" flag (0x800).
      const exc = this.probeOff ? '000820' : '000808';
      const alarm = this.probeOff ? '0010' : '0000';
      if (!this.probeOff) this.searchLeft--;
      return `${stamp} SN=${SERIAL} SPO2=---% BPM=--- PI=--.--% ${tail} ALARM=${alarm} EXC=${exc}\r\n`;
    }
    const { spo2, pulse, pi } = this.values(t);
    // SpO2 low limit (0x02) with alarm active (0x10) below 90 %, as the monitor's default limit.
    const alarm = spo2 < 90 ? '0012' : '0000';
    return (
      `${stamp} SN=${SERIAL} SPO2=${pad(spo2, 3)}% BPM=${pad(pulse, 3)} ` +
      `PI=${pi.toFixed(2).padStart(5, '0')}% ${tail} ALARM=${alarm} EXC=000800\r\n`
    );
  }

  private values(t: number): { spo2: number; pulse: number; pi: number } {
    const wave = (period: number): number => Math.sin((2 * Math.PI * t) / period);
    let spo2 = Math.round(97.4 + 1.2 * wave(37_000));
    let pulse = Math.round(72 + 4 * wave(23_000));
    let pi = 3.6 + 0.6 * wave(17_000);
    if (this.scenario === 'desaturation') {
      const f = Math.min(1, t / DESAT_MS);
      spo2 = Math.round(DESAT_FROM + (DESAT_TO - DESAT_FROM) * f);
      pulse = Math.round(74 + 20 * f);
      pi = 3.2 - 1.2 * f;
    }
    return {
      spo2: Math.round(this.spo2 ?? spo2),
      pulse: Math.round(this.pulse ?? pulse),
      pi: Math.min(99.99, Math.round((this.pi ?? pi) * 100) / 100),
    };
  }

  /** Line noise: random bytes, sometimes with CR/LF or fragments of tags. */
  private garbage(): string {
    const n = 3 + Math.floor(this.random() * 30);
    let s = '';
    for (let i = 0; i < n; i++) {
      const r = this.random();
      if (r < 0.1) s += '\r\n';
      else if (r < 0.2) s += 'SPO2=0';
      else s += String.fromCharCode(Math.floor(this.random() * 256));
    }
    return s;
  }
}

export function createSimulator(scenario?: string): Simulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new MasimoSimulator(name);
}
