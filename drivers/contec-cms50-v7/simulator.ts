import type { Frame, Simulator, SimulatorValues } from '../../src/shared/driver.ts';
import { PATIENT_SCENARIOS, Patient } from './patient.ts';

export const scenarios = [...PATIENT_SCENARIOS, 'no-pi'] as const;

const RATE_HZ = 60;
/** CMS50D+ fw 4.6 stops the live stream this long after the last A1/keep-alive. */
export const STREAM_TIMEOUT_MS = 30_000;
const DEVICE_ID = 'CMS50D+';
/** The model reply's two segments (0, then 0xFF for the last), 6 characters each, 0-padded; vendor; version 7.0. */
const MODEL_SEGMENTS: readonly (readonly [number, string])[] = [[0x00, 'CMS50D'], [0xff, '+']];
const VENDOR = 'Contec';
const REASON_UNKNOWN = 0xff;

/** Appends one uplink package: type, high byte holding each data byte's bit 7, data bytes with bit 7 set. */
function encode(type: number, data: readonly number[], out: number[]): void {
  let hi = 0x80;
  for (let i = 0; i < data.length; i++) if (((data[i] ?? 0) & 0x80) !== 0) hi |= 1 << i;
  out.push(type & 0x7f, hi);
  for (const d of data) out.push(0x80 | (d & 0xff));
}

/** `text` as `n` character codes, 0-padded. */
const chars = (text: string, n: number): number[] => Array.from({ length: n }, (_, i) => text.charCodeAt(i) || 0);

const clamp = (v: number, max: number): number => Math.max(0, Math.min(max, Math.round(v)));

/**
 * The device side of V7.0: streams 0x01 packages at 60/s only after A1, until A2 or until 30 s pass without
 * A1/AF; answers A2/A7 with `0C 80`, AA with its identifier, AC with PI support, A8/A9/A0 with its model,
 * vendor and protocol version (as a CMS60C does), and anything else with 0x0B.
 */
class ContecV7Simulator implements Simulator {
  private readonly patient: Patient;
  private streaming = false;
  private streamStart = 0;
  private lastAlive = 0;
  private sentPackets = 0;
  /** Host bytes of the package being received (commands may arrive in pieces). */
  private rx: number[] = [];

  constructor(private readonly scenario: string) {
    this.patient = new Patient(scenario === 'no-pi' ? 'normal' : scenario);
  }

  set(values: SimulatorValues): void {
    this.patient.set(values);
  }

  advance(nowMs: number): Uint8Array[] {
    if (!this.streaming) return [];
    const until = Math.min(nowMs, this.lastAlive + STREAM_TIMEOUT_MS);
    const due = Math.floor(((until - this.streamStart) * RATE_HZ) / 1000);
    const out: number[] = [];
    for (; this.sentPackets < due; this.sentPackets++) {
      const garbage = this.patient.garbage(0x01, 8);
      if (garbage) for (const g of garbage) out.push(g);
      this.realtime(this.streamStart + ((this.sentPackets + 1) * 1000) / RATE_HZ, out);
    }
    if (nowMs >= this.lastAlive + STREAM_TIMEOUT_MS) this.streaming = false;
    return out.length > 0 ? [Uint8Array.from(out)] : [];
  }

  receive(frame: Frame, nowMs: number): Uint8Array[] {
    if (frame.kind !== 'data') return [];
    // Live data sent before the command reached the device comes first.
    const out: Uint8Array[] = this.advance(nowMs);
    for (const b of frame.bytes) {
      if ((b & 0x80) === 0) this.rx = [b];
      else if (this.rx.length > 0) this.rx.push(b);
      if (this.rx.length === 9) {
        const reply = this.rx[0] === 0x7d ? this.command(this.rx, nowMs) : [];
        this.rx = [];
        if (reply.length > 0) out.push(Uint8Array.from(reply));
      }
    }
    return out;
  }

  private command(pkg: readonly number[], now: number): number[] {
    const cmd = ((pkg[2] ?? 0) & 0x7f) | (((pkg[1] ?? 0) & 1) << 7);
    const out: number[] = [];
    switch (cmd) {
      case 0xa1:
        if (!this.streaming) {
          this.streaming = true;
          this.streamStart = now;
          this.sentPackets = 0;
        }
        this.lastAlive = now;
        break;
      case 0xaf:
        this.lastAlive = now;
        break;
      case 0xa2:
        this.streaming = false;
        encode(0x0c, [], out);
        break;
      case 0xa7:
        encode(0x0c, [], out);
        break;
      case 0xaa:
        encode(0x04, Array.from(DEVICE_ID, (c) => c.charCodeAt(0)), out);
        break;
      case 0xac:
        encode(0x0e, [this.scenario === 'no-pi' ? 1 : 0], out);
        break;
      case 0xa8:
        for (const [segment, part] of MODEL_SEGMENTS) encode(0x02, [segment, ...chars(part, 6)], out);
        break;
      case 0xa9:
        encode(0x03, chars(VENDOR, 7), out);
        break;
      case 0xa0:
        encode(0x06, [0, 7], out);
        break;
      default:
        encode(0x0b, [cmd, REASON_UNKNOWN], out);
    }
    return out;
  }

  /** One 0x01 package for device time `t`. */
  private realtime(t: number, out: number[]): void {
    const r = this.patient.reading(t);
    if (r.probeOff) {
      // Probe error: pleth 64, PR 0xFF, SpO2 0x7F, PI 0xFFFF (V7.0 document).
      encode(0x01, [0x80, 0x40, 0x10, 0xff, 0x7f, 0xff, 0xff], out);
      return;
    }
    const spo2 = clamp(r.spo2, 0x7f);
    const pulse = clamp(r.pulse, 0xff);
    const wave = this.patient.pleth(r.searching ? 60 : pulse);
    if (r.searching) {
      // Searching: a weak waveform, no values yet.
      encode(0x01, [1, 0x80 | (40 + (wave.value >> 2)), 0x10, 0xff, 0x7f, 0xff, 0xff], out);
      return;
    }
    const noPi = this.scenario === 'no-pi';
    const pi = noPi ? 0xffff : clamp(r.pi * 100, 0xffff);
    const d0 = 6 | (spo2 < 90 ? 0x20 : 0) | (wave.beat ? 0x40 : 0);
    const d2 = Math.round((wave.value * 15) / 127) | (noPi ? 0x10 : 0);
    encode(0x01, [d0, wave.value, d2, pulse, spo2, pi & 0xff, pi >> 8], out);
  }
}

export function createSimulator(scenario: string = scenarios[0]): Simulator {
  if (!(scenarios as readonly string[]).includes(scenario)) {
    throw new Error(`Unknown scenario '${scenario}' for contec-cms50-v7 (known: ${scenarios.join(', ')}).`);
  }
  return new ContecV7Simulator(scenario);
}
