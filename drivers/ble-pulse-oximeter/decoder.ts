import { valueId } from '../_ble/reading.ts';
import { measurement, inRange, MDC, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceClock, DeviceEvent, ObservationEvent } from '../../src/shared/device-event.ts';
import type { BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
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

type Number11073 = Extract<Medical, { ok: true }>;

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
    const out: DeviceEvent[] = [];
    if (a.emit) {
      for (const f of fields(r)) {
        if (f.m?.ok && problem(f) === undefined) {
          const o = observation(f.code, f.m, t, deviceClock, a, measurementId);
          // A reading from the device's memory: the session drops it if an earlier connection delivered it.
          out.push(a.flags.includes('from-storage') ? { ...o, record: { stored: true } } : o);
        }
      }
    }
    // The status is the device's now, whatever the stamp of a stored spot-check.
    this.report(a, fields(r), nowMs);
    return [...this.emitter.take(), ...out];
  }

  private continuous(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    const parsed = parseContinuous(bytes);
    if (!parsed.ok) return this.malformed(nowMs, 'continuous');
    this.known = true;
    const r = parsed.reading;
    const a = assess(r);
    const { t, deviceClock } = this.common.clockOf(undefined, nowMs, true);
    const extra = new Map<MdcCode, Number11073>();
    for (const f of fields(r)) {
      if (a.emit && f.m?.ok && problem(f) === undefined && this.emitter.observe(f.code, f.m.value, t)) extra.set(f.code, f.m);
      else this.emitter.forget(f.code);
    }
    this.report(a, fields(r), t);
    // The emitter decides which values are due; each leaves with its decimals, flags and clock.
    return this.emitter.take().map((e) => {
      const m = e.kind === 'observation' ? extra.get(e.code) : undefined;
      return m && e.kind === 'observation' ? observation(e.code, m, e.t ?? t, deviceClock, a) : e;
    });
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

function observation(code: MdcCode, m: Number11073, t: number, deviceClock: DeviceClock, a: Assessment, measurementId?: string): ObservationEvent {
  return {
    kind: 'observation',
    code,
    value: m.value,
    unit: measurement(code).unit,
    t,
    ...(measurementId !== undefined ? { measurementId } : {}),
    decimals: m.decimals,
    ...(a.flags.length > 0 ? { flags: a.flags } : {}),
    deviceClock,
  };
}

export function createDecoder(): BleDecoder {
  return new PlxDecoder();
}
