import { valueId } from '../_ble/reading.ts';
import { inRange, MDC, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceClock, DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { Emitter, type ObservationExtra } from '../_lib/emitter.ts';
import type { Medical } from '../_ble/ieee11073.ts';
import { BleDecoderBase } from '../_ble/decoder.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { manifest } from './manifest.ts';
import { assess, parseContinuous, parseSpotCheck, type Assessment, type PlxReading } from './plx.ts';

const SAT = MDC.PULS_OXIM_SAT_O2;
const PULSE = MDC.PULS_OXIM_PULS_RATE;
const PERF = MDC.PULS_OXIM_PERF_REL;

interface Field {
  readonly code: MdcCode;
  readonly name: string;
  readonly m: Medical | undefined;
}

const fields = (r: PlxReading): Field[] => [
  { code: SAT, name: 'spo2', m: r.spo2 },
  { code: PULSE, name: 'pulse', m: r.pulse },
  { code: PERF, name: 'pai', m: r.pai },
];

/** Why a field gives no number (a special SFLOAT or a value outside the catalogue), or undefined when it does. */
function problem(f: Field): string | undefined {
  if (!f.m) return undefined;
  if (!f.m.ok) return `${f.name}-${f.m.special}`;
  return inRange(f.code, f.m.value) ? undefined : `${f.name}-out-of-range`;
}

class PlxDecoder extends BleDecoderBase {
  private readonly emitter = new Emitter();

  constructor() {
    super(manifest.ble);
  }

  protected override closed(): void {
    for (const code of [SAT, PULSE, PERF]) this.emitter.forget(code);
  }

  protected own(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    const ch = normaliseUuid(v.characteristic);
    if (ch === UUID.plxSpotCheck) return this.spotCheck(v.bytes, nowMs);
    if (ch === UUID.plxContinuous) return this.continuous(v.bytes, nowMs);
    // Features (0x2A60) say which status bits the device supports; the bits themselves are read per reading.
    return [];
  }

  private spotCheck(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const parsed = parseSpotCheck(bytes, this.ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) return this.malformed(nowMs, 'spot-check');
    this.known = true;
    const r = parsed.reading;
    const a = assess(r);
    let deviceMs: number | 'unset' | undefined;
    if (r.clockNotSet || (r.time && !r.time.ok && r.time.reason === 'unset')) deviceMs = 'unset';
    else if (r.time?.ok) deviceMs = r.time.ms;
    const { t, deviceClock } = this.common.clockOf(deviceMs, nowMs, !a.flags.includes('from-storage'));
    // The device's own stamp identifies a resent indication of the same measurement.
    const measurementId = `plx:${this.ctx?.address ?? 'unknown'}:${typeof deviceMs === 'number' ? deviceMs : `h${valueId(bytes)}`}`;
    // The status is the device's now, whatever the stamp of a stored spot-check; the observations follow it.
    this.report(a, fields(r), nowMs);
    // A reading from the device's memory: the session drops it if an earlier connection delivered it.
    const record = a.flags.includes('from-storage') ? { stored: true } : undefined;
    for (const f of fields(r)) {
      if (!f.m) continue;
      // A special value (NaN, NRes…) is that value absent in the spot-check: the record keeps that the device said so.
      if (!f.m.ok) {
        if (speaksOfPatient(a)) this.emitter.absent(f.code, f.m.special, t, measurementId, { flags: a.flags, deviceClock, record });
      } else if (a.emit && problem(f) === undefined) this.emitter.observe(f.code, f.m.value, t, measurementId, { ...extra(f.m, a, deviceClock), record });
    }
    return this.emitter.take();
  }

  private continuous(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const parsed = parseContinuous(bytes);
    if (!parsed.ok) return this.malformed(nowMs, 'continuous');
    this.known = true;
    const r = parsed.reading;
    const a = assess(r);
    const { t, deviceClock } = this.common.clockOf(undefined, nowMs, true);
    // The emitter decides which values are due; each leaves with its decimals, flags and clock. A special value is
    // recorded once on the change from values to "no number" (not every second while the finger is out), and again
    // only after a value came back.
    for (const f of fields(r)) {
      if (speaksOfPatient(a) && f.m && !f.m.ok) {
        this.emitter.absent(f.code, f.m.special, t, undefined, { flags: a.flags, deviceClock });
        continue;
      }
      const valid = a.emit && f.m?.ok && problem(f) === undefined && this.emitter.observe(f.code, f.m.value, t, undefined, extra(f.m, a, deviceClock));
      if (!valid) this.emitter.forget(f.code);
    }
    this.report(a, fields(r), t);
    return this.emitter.take();
  }

  /** One status per reading: the status bits first, then SpO2 or pulse that gave no number. */
  private report(a: Assessment, fs: Field[], t: number): void {
    const missing = fs.slice(0, 2).map(problem).filter((p): p is string => p !== undefined);
    if (a.status !== 'ok' || !a.emit) this.emitter.status(a.status, t, a.detail);
    else if (missing.length > 0) this.emitter.status(missing.some((p) => p.endsWith('out-of-range')) ? 'error' : 'searching', t, missing.join(','));
    else this.emitter.status('ok', t);
  }

  private malformed(nowMs: number, what: string): DeviceEvent[] {
    this.emitter.status('error', nowMs, `malformed-${what}`);
    return this.emitter.take();
  }
}

/**
 * Whether a special value of this reading is the patient's "no number" to record: also when the status bits say the
 * sensor is off or the measurement unavailable (the finger left: NaN), never for demo or test data.
 */
function speaksOfPatient(a: Assessment): boolean {
  return a.emit || a.detail !== 'demo-data';
}

/** What a value of the reading carries besides its number: the device's decimals, the reading's flags, the clock. */
function extra(m: Extract<Medical, { ok: true }>, a: Assessment, deviceClock: DeviceClock): ObservationExtra {
  return { decimals: m.decimals, flags: a.flags, deviceClock };
}

export function createDecoder(): BleDecoder {
  return new PlxDecoder();
}
