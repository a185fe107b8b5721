import { MDC, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { Bit7Frames } from '../_lib/bit7-frames.ts';
import { Emitter, type ObservationExtra } from '../_lib/emitter.ts';
import { BleDecoderBase } from '../_ble/decoder.ts';
import { sameUuid } from '../_ble/uuid.ts';
import { manifest } from './manifest.ts';
import { BCI, FRAME_RATE_HZ } from './uuids.ts';

const SAT = MDC.PULS_OXIM_SAT_O2;
const PULSE = MDC.PULS_OXIM_PULS_RATE;
const PLETH = MDC.PULS_OXIM_PLETH;
/** A 5-byte frame with one sync bit is easy to fake: 4 plausible frames in a row before the stream is claimed. */
const RECOGNISE_AFTER = 4;

/** One BCI frame (ble-fhir.md §B6; zh2x/BCI_Protocol as read by adafruit, bgould and ehborisov). */
export interface BciFrame {
  signal: number;
  probeUnplugged: boolean;
  beep: boolean;
  /** 0–100, device units. */
  pleth: number;
  bar: number;
  noFinger: boolean;
  searching: boolean;
  /** bpm; 255 = no value. */
  pulse: number;
  /** %; 127 = no value. */
  spo2: number;
}

export function parseFrame(f: ArrayLike<number>): BciFrame {
  const b0 = f[0] ?? 0;
  const b2 = f[2] ?? 0;
  return {
    signal: b0 & 0x0f,
    probeUnplugged: (b0 & 0x20) !== 0,
    beep: (b0 & 0x40) !== 0,
    pleth: (f[1] ?? 0) & 0x7f,
    bar: b2 & 0x0f,
    noFinger: (b2 & 0x10) !== 0,
    searching: (b2 & 0x20) !== 0,
    // Pulse rate bit 7 travels in byte 2 bit 6.
    pulse: ((b2 & 0x40) << 1) | ((f[3] ?? 0) & 0x7f),
    spo2: (f[4] ?? 0) & 0x7f,
  };
}

/**
 * Reassembles frames across notifications (a notification may hold several frames, or part of one) with the sync of
 * Contec's legacy protocol (drivers/_lib/bit7-frames.ts).
 */
class BciDecoder extends BleDecoderBase {
  private readonly emitter = new Emitter();
  private readonly sync = new Bit7Frames();
  private streak = 0;

  constructor() {
    super(manifest.ble);
  }

  protected override opened(_ctx: BleConnectionContext): void {
    this.sync.reset();
  }

  protected override closed(): void {
    this.sync.reset();
    this.forget();
  }

  protected own(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    if (!sameUuid(v.characteristic, BCI.notify)) return [];
    const frames: BciFrame[] = [];
    for (const b of v.bytes) {
      const f = this.sync.byte(b);
      if (f === 'lost') this.streak = 0;
      else if (f) frames.push(parseFrame(f));
    }
    // The frames of one notification were measured one sample period apart, the last just before it arrived.
    const period = 1000 / FRAME_RATE_HZ;
    const { deviceClock } = this.common.clockOf(undefined, nowMs, true);
    frames.forEach((f, i) => this.report(f, nowMs - (frames.length - 1 - i) * period, { decimals: 0, deviceClock }));
    return this.emitter.take();
  }

  private forget(): void {
    for (const code of [SAT, PULSE] as MdcCode[]) this.emitter.forget(code);
  }

  private report(f: BciFrame, t: number, extra: ObservationExtra): void {
    if (f.pleth > 100 || (f.spo2 > 100 && f.spo2 !== 127)) this.streak = 0;
    else if (++this.streak >= RECOGNISE_AFTER) this.known = true;
    const em = this.emitter;
    if (f.probeUnplugged || f.noFinger) {
      this.forget();
      em.status('probe-off', t, f.probeUnplugged ? 'probe-unplugged' : 'no-finger');
      return;
    }
    em.sample(PLETH, FRAME_RATE_HZ, f.pleth, t);
    if (f.searching) {
      this.forget();
      em.status('searching', t, 'pulse-search');
      return;
    }
    const spo2Ok = f.spo2 >= 1 && f.spo2 <= 100 && em.observe(SAT, f.spo2, t, undefined, extra);
    const pulseOk = f.pulse >= 1 && f.pulse <= 254 && em.observe(PULSE, f.pulse, t, undefined, extra);
    if (!spo2Ok) em.forget(SAT);
    if (!pulseOk) em.forget(PULSE);
    if (spo2Ok && pulseOk) em.status('ok', t);
    else if (!spo2Ok && !pulseOk) em.status('searching', t, 'no-reading');
    else em.status('searching', t, spo2Ok ? 'pulse-invalid' : 'spo2-invalid');
  }
}

export function createDecoder(): BleDecoder {
  return new BciDecoder();
}
