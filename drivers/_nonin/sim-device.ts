import type { Frame, Simulator, SimulatorValues } from '../../src/shared/driver.ts';
import { applyOverrides, isNoninScenario, scenarioVitals, type NoninScenario, type Vitals } from './sim-vitals.ts';
import { seededRandom } from '../_lib/random.ts';

/** Formats the simulated device can stream (a 9560 also has DF13, which this simulator NAKs). */
export type SimFormat = 2 | 7 | 8;

export interface NoninSimOptions {
  scenario?: NoninScenario;
  /** Format streamed from power-on (a real device keeps the last one selected). */
  format: SimFormat;
  lowBattery?: boolean;
}

const TICK_HZ = 75; // DF2/DF7 frame rate; DF8 sends one record every 75 ticks
const PACKET = 25;
const DISPLAY_TICKS = 112.5; // "display" values update every 1.5 s
const DISPLAY_HOLD_TICKS = 750; // and hold 10 s after the finger is removed
const PULSE_FRAMES = 12; // perfusion colour bits are set for ~160 ms around each pulse
const NOISE_EVERY = 263; // noisy scenario: a burst of garbage about every 3.5 s

/**
 * A Nonin oximeter (9560/3150/Xpod/OEM III) on its serial link: streams its current data format from
 * power-on, answers the format-select command `02 70 02 02 <fmt> 03` with ACK (0x06) and switches from the
 * next packet, or NAK (0x15) for formats it does not support. Written from protocols.md §2, independently
 * of the decoders.
 */
export class NoninDeviceSim implements Simulator {
  private format: SimFormat;
  private readonly scenario: NoninScenario;
  private readonly lowBattery: boolean;
  private readonly overrides: SimulatorValues = {};
  private readonly rand = seededRandom(0x5eed2);
  private out: number[] = [];
  private ticks = 0; // ticks generated so far
  private segStart = 0; // tick at which the current format started
  private switchAt = -1;
  private switchTo: SimFormat = 2;
  private packets = 0;
  // Current packet's "recording" values.
  private hr = 511;
  private spo2 = 127;
  private off = false;
  private pi = 0;
  // "Display" values.
  private dispEpoch = -1;
  private dispHr = 511;
  private dispSpo2 = 127;
  private offSince = -1;
  // Pulse model.
  private phase = 0;
  private sinceBeat = PULSE_FRAMES;

  constructor(opts: NoninSimOptions) {
    this.format = opts.format;
    this.scenario = opts.scenario ?? 'normal';
    this.lowBattery = opts.lowBattery ?? false;
  }

  /** The format currently streamed (for tests). */
  get currentFormat(): SimFormat {
    return this.format;
  }

  advance(nowMs: number): Uint8Array[] {
    const target = Math.floor((nowMs * TICK_HZ) / 1000);
    while (this.ticks < target) this.tick();
    if (this.out.length === 0) return [];
    const chunk = Uint8Array.from(this.out);
    this.out = [];
    return [chunk];
  }

  receive(frame: Frame, nowMs: number): Uint8Array[] {
    const b = frame.bytes;
    if (frame.kind !== 'data' || b.length !== 6 || b[0] !== 0x02 || b[1] !== 0x70 || b[5] !== 0x03) return [];
    if (b[2] !== 0x02 || b[3] !== 0x02) return [Uint8Array.of(0x15)];
    const fmt = b[4];
    if (fmt !== 2 && fmt !== 7 && fmt !== 8) return [Uint8Array.of(0x15)];
    // Frames due by now are on the wire already; the new format starts with the next packet.
    const due = Math.max(this.ticks, Math.floor((nowMs * TICK_HZ) / 1000));
    const inSeg = due - this.segStart;
    this.switchAt = this.format === 8 ? due : this.segStart + Math.ceil(inSeg / PACKET) * PACKET;
    this.switchTo = fmt;
    return [Uint8Array.of(0x06)];
  }

  set(values: SimulatorValues): void {
    Object.assign(this.overrides, values);
  }

  private vitals(tick: number): Vitals {
    return applyOverrides(scenarioVitals(this.scenario, (tick * 1000) / TICK_HZ), this.overrides);
  }

  private tick(): void {
    const k = this.ticks++;
    if (this.switchAt >= 0 && k >= this.switchAt) {
      this.format = this.switchTo;
      this.segStart = k;
      this.switchAt = -1;
    }
    const inSeg = k - this.segStart;
    // DF2/DF7 packets start with the format's segment; DF8 resamples on the same 1/3-s rhythm.
    if ((this.format === 8 ? k : inSeg) % PACKET === 0) this.newPacket(k);
    this.updateDisplay(k);
    this.beat();
    if (this.format === 8) {
      if (inSeg % TICK_HZ === TICK_HZ - 1) this.emitDf8();
    } else {
      this.emitFrame((inSeg % PACKET) + 1);
    }
    if (this.scenario === 'noisy' && k % NOISE_EVERY === NOISE_EVERY - 1) this.noise();
  }

  /** Recording values are sampled once per packet (every 1/3 s) and go missing at once when probe-off. */
  private newPacket(k: number): void {
    const v = this.vitals(k);
    this.packets++;
    this.off = v.probeOff;
    this.pi = v.perfusionIndex;
    this.hr = v.probeOff ? 511 : Math.max(0, Math.min(510, Math.round(v.pulse)));
    this.spo2 = v.probeOff ? 127 : Math.max(0, Math.min(100, Math.round(v.spo2)));
    if (v.probeOff && this.offSince < 0) this.offSince = k;
    if (!v.probeOff) this.offSince = -1;
  }

  private updateDisplay(k: number): void {
    const epoch = Math.floor(k / DISPLAY_TICKS);
    if (epoch === this.dispEpoch) return;
    this.dispEpoch = epoch;
    if (!this.off) {
      this.dispHr = this.hr;
      this.dispSpo2 = this.spo2;
    } else if (this.offSince >= 0 && k - this.offSince >= DISPLAY_HOLD_TICKS) {
      this.dispHr = 511;
      this.dispSpo2 = 127;
    }
  }

  private beat(): void {
    const v = this.vitals(this.ticks);
    this.phase += Math.max(0, v.pulse) / 60 / TICK_HZ;
    if (this.phase >= 1) {
      this.phase -= Math.floor(this.phase);
      this.sinceBeat = 0;
    } else if (this.sinceBeat < PULSE_FRAMES) {
      this.sinceBeat++;
    }
  }

  /** Pleth in 0..1: a quick systolic upstroke, then a decay with a dicrotic bump. */
  private wave(): number {
    if (this.off) return 0.5;
    const x = this.phase;
    const w = x < 0.12 ? Math.sin(((x / 0.12) * Math.PI) / 2) : Math.exp(-(x - 0.12) * 3.2) + 0.12 * Math.exp(-(((x - 0.45) / 0.06) ** 2));
    const amp = Math.max(0.05, Math.min(1, this.pi / 4));
    return 0.5 + amp * (Math.min(1, w) - 0.5) * 0.95;
  }

  private status(sync: boolean): number {
    let s = 0x80 | (sync ? 0x01 : 0);
    if (this.off) return s | 0x08;
    if (this.sinceBeat < PULSE_FRAMES) s |= this.pi >= 1 ? 0x02 : this.pi >= 0.3 ? 0x06 : 0x04;
    return s;
  }

  private float(frame: number): number {
    switch (frame) {
      case 1: return (this.hr >> 7) & 0x03;
      case 2: return this.hr & 0x7f;
      case 3: case 10: case 11: case 16: return this.spo2 & 0x7f;
      case 4: return 0x2a; // firmware revision
      case 6: return ((this.packets & 0x3fff) >> 7) & 0x7f;
      case 7: return this.packets & 0x7f;
      case 8: return (this.lowBattery ? 0x01 : 0) | (!this.off && this.pi >= 1 ? 0x20 : 0);
      case 9: case 17: return this.dispSpo2 & 0x7f;
      case 14: return (this.hr >> 7) & 0x03;
      case 15: return this.hr & 0x7f;
      case 20: case 22: return (this.dispHr >> 7) & 0x03;
      case 21: case 23: return this.dispHr & 0x7f;
      default: return 0;
    }
  }

  private emitFrame(frame: number): void {
    const st = this.status(frame === 1);
    const fl = this.float(frame);
    if (this.format === 2) {
      const p = Math.round(this.wave() * 255);
      this.out.push(0x01, st, p, fl, (0x01 + st + p + fl) & 0xff);
    } else {
      const p = Math.round(this.wave() * 65535);
      const hi = p >> 8;
      const lo = p & 0xff;
      this.out.push(st, hi, lo, fl, (st + hi + lo + fl) & 0xff);
    }
  }

  private emitDf8(): void {
    const perf = this.off ? 0 : this.pi < 0.3 ? 0x10 : this.pi < 1 ? 0x08 : 0;
    const st = 0x80 | perf | ((this.dispHr >> 7) & 0x03);
    const st2 = (this.off ? 0x08 : 0) | (this.lowBattery ? 0x01 : 0) | (!this.off && this.pi >= 1 ? 0x20 : 0);
    this.out.push(st, this.dispHr & 0x7f, this.dispSpo2 & 0x7f, st2);
  }

  /** Line noise: bytes that often look like a start byte, a STATUS byte or a reply. */
  private noise(): void {
    const n = 1 + Math.floor(this.rand() * 12);
    for (let i = 0; i < n; i++) {
      const r = this.rand();
      this.out.push(r < 0.2 ? 0x01 : r < 0.5 ? 0x80 | Math.floor(this.rand() * 128) : Math.floor(this.rand() * 256));
    }
  }
}

/**
 * A driver's simulator: `scenario` is one of NONIN_SCENARIOS, optionally suffixed `-df2`/`-df7`/`-df8` to
 * power the device on in another format (as a device that was last set to it would be).
 */
export function createNoninSimulator(scenario: string | undefined, ownFormat: SimFormat, lowBattery = false): NoninDeviceSim {
  let name = scenario ?? 'normal';
  let format = ownFormat;
  const m = /^(.+)-df([278])$/.exec(name);
  if (m) {
    name = m[1]!;
    format = Number(m[2]) as SimFormat;
  }
  if (!isNoninScenario(name)) throw new Error(`unknown Nonin scenario "${scenario}"`);
  return new NoninDeviceSim({ scenario: name, format, lowBattery });
}
