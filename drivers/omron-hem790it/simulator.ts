import type { Frame, Simulator, SimulatorValues } from '../../src/shared/driver.ts';
import { xor } from './protocol.ts';
import { CAPACITY, CLOCK_START, history, recordBytes, type Reading } from './sim-memory.ts';
import { seededRandom } from '../_lib/random.ts';

/**
 * normal: 2 old readings, a new one 3 s after start and every 60 s (or on `completeMeasurement`);
 * forgetful: now and then drops its mode and answers garbage until the mode is set again;
 * error: answers NO at random (seeded) times; memory-full: all slots taken, so the count stays put;
 * on-demand: measures only when the patient presses START (`completeMeasurement`), as the demo's cuff.
 */
export const scenarios = ['normal', 'forgetful', 'error', 'memory-full', 'on-demand'] as const;
type Scenario = (typeof scenarios)[number];

const FIRST_MS = 3_000;
const EVERY_MS = 60_000;
const DAILY_MODE = 0x74bc;
const CLEAR_ZEROS = 23;
const FORGET_P = 0.06;
const NO_P = 0.2;
const VERSION = 'M7080IT 207';
/** Command lengths the meter knows (letters + arguments + checksum). */
const LENGTHS: Readonly<Record<string, number>> = { VER: 5, PRF: 5, SRL: 5, END: 5, GDC: 8, GME: 8, GMA: 9, GEA: 9 };
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** An HEM-7080IT on USB: answers output reports with 8-byte input reports (count byte first). */
class OmronSimulator implements Simulator {
  private mode: number | undefined;
  private off = false;
  private input: number[] = [];
  private zeros = 0;
  private readonly readings: Reading[];
  private nextAuto = FIRST_MS;
  private manual = 0;
  private made = 0;
  private systolic: number | undefined;
  private diastolic: number | undefined;
  private pulse: number | undefined;
  private readonly random: () => number;

  constructor(private readonly scenario: Scenario) {
    this.readings = history(scenario === 'memory-full' ? CAPACITY : 2);
    if (scenario === 'on-demand') this.nextAuto = Infinity;
    this.random = seededRandom(scenario === 'error' ? 0xe770 : 0x0f06);
  }

  advance(nowMs: number): Uint8Array[] {
    this.measureUntil(nowMs);
    return []; // The meter never speaks unasked.
  }

  receive(frame: Frame, nowMs: number): Uint8Array[] {
    this.measureUntil(nowMs);
    if (frame.kind === 'feature') {
      if (frame.bytes.length >= 2) this.mode = ((frame.bytes[0]! & 0xff) << 8) | (frame.bytes[1]! & 0xff);
      this.off = false;
      this.input = [];
      this.zeros = 0;
      return [];
    }
    const count = frame.bytes[0] ?? 0;
    if (this.off || count < 1 || count > 7 || frame.bytes.length < count + 1) return [];
    for (let i = 1; i <= count; i++) this.input.push(frame.bytes[i]! & 0xff);
    return this.process();
  }

  set(values: SimulatorValues): void {
    if (values.systolic !== undefined) this.systolic = values.systolic;
    if (values.diastolic !== undefined) this.diastolic = values.diastolic;
    if (values.pulse !== undefined) this.pulse = values.pulse;
    if (values.completeMeasurement) this.manual++;
  }

  /** Consumes complete commands from the input buffer and answers each. */
  private process(): Uint8Array[] {
    const replies: Uint8Array[] = [];
    while (this.input.length > 0) {
      if (this.input[0] === 0) {
        // The clearing block: 23 zero bytes, answered "OK" once the mode is set.
        while (this.input[0] === 0) {
          this.input.shift();
          this.zeros++;
        }
        if (this.zeros >= CLEAR_ZEROS) {
          this.zeros = 0;
          replies.push(...(this.mode === undefined ? this.garbage() : this.reports(ascii('OK'))));
        }
        continue;
      }
      this.zeros = 0;
      if (this.input.length < 3) break;
      const name = String.fromCharCode(this.input[0]!, this.input[1]!, this.input[2]!);
      const len = Object.hasOwn(LENGTHS, name) ? LENGTHS[name]! : 0;
      if (len === 0) {
        this.input = [];
        replies.push(...this.reports(ascii('NO')));
        break;
      }
      if (this.input.length < len) break;
      replies.push(...this.answer(name, this.input.splice(0, len)));
    }
    return replies;
  }

  private answer(name: string, cmd: number[]): Uint8Array[] {
    const args = cmd.slice(3, -1);
    if (xor(args) !== cmd[cmd.length - 1]) return this.reports(ascii('NO'));
    if (this.scenario === 'forgetful' && name !== 'END' && this.random() < FORGET_P) this.mode = undefined;
    if (this.mode === undefined) return this.garbage();
    if (this.scenario === 'error' && name !== 'END' && this.random() < NO_P) return this.reports(ascii('NO'));
    const bank = args[1] ?? 0;
    switch (name) {
      case 'VER':
        return this.ok(ascii(VERSION));
      case 'PRF':
        return this.ok(ascii('0010100000'));
      case 'SRL':
        return this.ok([0x06, 0, 0, 0, 0, 0, 0]);
      case 'GDC':
        if (this.mode !== DAILY_MODE) return this.reports(ascii('NO'));
        // Data 00 0A 00 count: the 0x0A is copied from the protocol notes' capture, meaning unknown.
        return this.ok([0x00, 0x0a, 0x00, bank === 0 ? this.readings.length : 0]);
      case 'GME': {
        const reading = bank === 0 ? this.readings[args[3] ?? 0] : undefined;
        if (this.mode !== DAILY_MODE || !reading) return this.reports(ascii('NO'));
        return this.ok(recordBytes(reading).slice(0, 13));
      }
      case 'END':
        this.off = true;
        this.mode = undefined;
        return this.reports(ascii('OFF\r\n'));
      default:
        return this.reports(ascii('NO')); // Weekly averages are not simulated.
    }
  }

  /** "OK" 0x00, the data, then the XOR of the data. */
  private ok(data: number[]): Uint8Array[] {
    return this.reports([...ascii('OK'), 0x00, ...data, xor(data)]);
  }

  /** The reply cut into 8-byte input reports, 7 payload bytes each after the count. */
  private reports(bytes: number[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 7) {
      const chunk = bytes.slice(at, at + 7);
      const report = new Uint8Array(8);
      report[0] = chunk.length;
      report.set(chunk, 1);
      out.push(report);
    }
    return out;
  }

  /** What a meter without its mode sends: a report of leftovers that starts neither "OK" nor "NO". */
  private garbage(): Uint8Array[] {
    const report = new Uint8Array(8);
    report[0] = 2 + Math.floor(this.random() * 6);
    for (let i = 1; i < 8; i++) report[i] = Math.floor(this.random() * 256);
    if (report[1] === 0x4f || report[1] === 0x4e) report[1] = 0x80 | report[1]!;
    return [report];
  }

  private measureUntil(nowMs: number): void {
    for (; this.nextAuto <= nowMs; this.nextAuto += EVERY_MS) this.store(this.nextAuto);
    for (; this.manual > 0; this.manual--) this.store(nowMs);
  }

  /** A finished measurement: current values (gently varying where never set) stored as the newest. */
  private store(atMs: number): void {
    const k = this.made++;
    this.readings.unshift({
      at: CLOCK_START + atMs,
      systolic: this.systolic ?? 118 + Math.round(5 * Math.sin(k * 1.7)),
      diastolic: this.diastolic ?? 77 + Math.round(3 * Math.sin(k * 1.1 + 1)),
      pulse: this.pulse ?? 68 + Math.round(4 * Math.sin(k * 0.9 + 2)),
    });
    if (this.readings.length > CAPACITY) this.readings.pop();
  }
}

export function createSimulator(scenario?: string): Simulator {
  const known = scenarios.find((s) => s === scenario);
  return new OmronSimulator(known ?? 'normal');
}
