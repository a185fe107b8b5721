import { MDC } from '../../src/shared/catalogue.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { signalState } from './exceptions.ts';
import { parseLine, type MasimoLine, type ParsedLine } from './line.ts';

/** Longest line kept; real lines are ~130 bytes. A longer one is garbage: dropped up to the next CR/LF. */
export const MAX_LINE = 512;

const SPO2 = MDC.PULS_OXIM_SAT_O2;
const PULSE = MDC.PULS_OXIM_PULS_RATE;
const PI = MDC.PULS_OXIM_PERF_REL;

/**
 * Splits the raw byte stream into lines itself: the host feeds raw bytes, any chunking, CR LF included (a
 * host that fed whole lines would have to keep a CR or LF on each, since a line ends at CR, LF or both).
 * Emits SpO2, pulse rate and PI per ASCII 1 line. A line that opens with the monitor's date and time but
 * cannot be used gives a status, never silence: 'error/set-ascii-1' for the monitor's other text format
 * (the Rad-8 leaves the factory in ASCII 2), 'error/malformed' otherwise. Other bytes (line noise, the cut
 * first line) give nothing.
 * `t` is the host's receive time, not the line's date/time: the monitor's clock is set by hand, has no
 * time zone, a two-digit year and drifts, so it cannot be trusted to order observations.
 */
class MasimoDecoder implements Decoder {
  private readonly emitter = new Emitter();
  private readonly line = new Uint8Array(MAX_LINE);
  private length = 0;
  /** The current line is too long or holds a non-printable byte: it is dropped at its end. */
  private spoiled = false;
  private good = 0;
  private known = false;

  get recognised(): boolean {
    return this.known;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x0a || b === 0x0d) {
        if (this.length > 0 || this.spoiled) this.endLine(nowMs);
      } else if (b < 0x20 || b > 0x7e || this.length >= MAX_LINE) {
        this.spoiled = true;
      } else if (!this.spoiled) {
        this.line[this.length++] = b;
      }
    }
    return this.emitter.take();
  }

  private endLine(t: number): void {
    const parsed: ParsedLine = this.spoiled
      ? { kind: 'noise' }
      : parseLine(String.fromCharCode.apply(null, this.line.subarray(0, this.length) as unknown as number[]));
    this.length = 0;
    this.spoiled = false;
    switch (parsed.kind) {
      case 'noise':
        this.good = 0;
        return;
      case 'unusable':
        this.good = 0;
        this.emitter.status('error', t, 'malformed');
        return;
      case 'ascii2':
        // A Masimo all the same: the port is the monitor's, its output mode is to be changed on the monitor.
        if (++this.good >= 2) this.known = true;
        this.forgetAll();
        this.emitter.status('error', t, 'set-ascii-1');
        return;
      case 'ascii1':
        if (++this.good >= 2) this.known = true;
        this.emit(parsed.line, t);
    }
  }

  private emit(line: MasimoLine, t: number): void {
    const e = this.emitter;
    const state = signalState(line.exc, line.alarm);
    if (state.invalid) {
      this.forgetAll();
      e.status(state.status, t, state.detail);
      return;
    }
    let missing = false;
    let refused = false;
    for (const [code, value] of [
      [SPO2, line.spo2],
      [PULSE, line.bpm],
    ] as const) {
      if (value === null) {
        missing = true;
        e.forget(code);
      } else if (!e.observe(code, value, t)) {
        refused = true;
        e.forget(code);
      }
    }
    // PI alone missing is not worth a status: SpO2 and pulse rate are the reading.
    if (line.pi === null) e.forget(PI);
    else if (!e.observe(PI, line.pi, t)) refused = true;
    if (refused) e.status('error', t, 'out-of-range');
    else if (missing) e.status('searching', t, 'no-value');
    else e.status(state.status, t, state.detail);
  }

  private forgetAll(): void {
    this.emitter.forget(SPO2);
    this.emitter.forget(PULSE);
    this.emitter.forget(PI);
  }
}

export function createDecoder(): Decoder {
  return new MasimoDecoder();
}
