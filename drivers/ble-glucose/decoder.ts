import { valueId } from '../_ble/reading.ts';
import { inRange, MDC, type MdcCode } from '../../src/shared/catalogue.ts';
import type { DeviceEvent, ObservationFlag } from '../../src/shared/device-event.ts';
import { OBSERVATION_FLAGS } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { BleDecoderBase } from '../_ble/decoder.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { parseGlucoseMeasurement, toMgDl, type GlucoseRecord } from './glucose.ts';
import { manifest } from './manifest.ts';
import { RACP, racpRequest, type RacpAsk } from '../_ble/racp.ts';

/** Sample type (low nibble) → code: 1 capillary whole blood, 2 capillary plasma, 3–9 other samples; 10 is control solution. */
function codeOf(type: number): MdcCode | undefined {
  if (type === 1) return MDC.CONC_GLU_CAPILLARY_WHOLEBLOOD;
  if (type === 2) return MDC.CONC_GLU_CAPILLARY_PLASMA;
  if (type >= 3 && type <= 9) return MDC.CONC_GLU_GEN;
  return undefined;
}

const STATUS_FLAGS: readonly [number, ObservationFlag][] = [
  [1 << 0, 'low-battery'],
  [1 << 1, 'device-fault'], // sensor malfunction
  [1 << 2, 'sample-too-small'],
  [1 << 3, 'device-fault'], // strip insertion error
  [1 << 4, 'device-fault'], // strip type incorrect
  [1 << 5, 'result-too-high'],
  [1 << 6, 'result-too-low'],
  [1 << 7, 'temperature-out-of-range'],
  [1 << 8, 'temperature-out-of-range'],
  [1 << 9, 'device-fault'], // read interrupted
  [1 << 10, 'device-fault'], // general device fault
];
const TIME_FAULT = 1 << 11;

export function flagsOf(status: number): ObservationFlag[] {
  const set = new Set(STATUS_FLAGS.filter(([bit]) => status & bit).map(([, f]) => f));
  return OBSERVATION_FLAGS.filter((f) => set.has(f));
}

/** How long a record request may go unanswered before the next way of asking is tried. */
export const RACP_ANSWER_MS = 10_000;

class GlucoseDecoder extends BleDecoderBase {
  private readonly emitter = new Emitter();
  /** The record requests still to try, most selective first (flutter_blue#830: some meters only answer "last"). */
  private plan: RacpAsk[] = [];
  private asked: RacpAsk | undefined;
  /** When the pending request was written (about: the session writes it right after the subscriptions). */
  private askedAt: number | undefined;
  /** The meter answered the pending request (a response, or a record). */
  private heard = false;
  private received = 0;

  constructor() {
    super(manifest.ble);
  }

  /** The record request is queued at connection: the session writes only after its subscriptions (BleLink.subscribe). */
  protected override opened(ctx: BleConnectionContext): void {
    this.received = 0;
    this.askedAt = ctx.nowMs;
    const next = ctx.lastSeq !== undefined && ctx.lastSeq < 0xffff ? ctx.lastSeq + 1 : undefined;
    // Readings before this visit are not this patient's: only newer records; the whole memory only when nothing is known.
    this.plan = next !== undefined ? [{ kind: 'from', seq: next }, { kind: 'last' }, { kind: 'all' }] : ctx.lastSeq !== undefined ? [{ kind: 'last' }] : [{ kind: 'all' }];
    this.askNext();
  }

  protected override closed(): void {
    this.asked = undefined;
    this.askedAt = undefined;
    this.plan = [];
  }

  /**
   * A meter that never answers a request (a Contour Plus One answered "count" but not "all" nor "≥ seq", then gave its
   * records to "last": flutter_blue#830) is asked the next way after RACP_ANSWER_MS of silence.
   */
  tick(nowMs: number): DeviceEvent[] {
    if (!this.asked || this.heard || this.askedAt === undefined || nowMs - this.askedAt < RACP_ANSWER_MS) return [];
    this.askedAt = nowMs;
    if (!this.askNext()) this.emitter.status('error', nowMs, 'record-access-no-answer');
    return this.emitter.take();
  }

  protected own(v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    const ch = normaliseUuid(v.characteristic);
    if (ch === UUID.glucoseMeasurement) this.measurement(v.bytes, nowMs);
    else if (ch === UUID.recordAccess) this.racp(v.bytes, nowMs);
    // Context 0x2A34 (meal, carbohydrates, medication) is not part of the visit's record; Feature 0x2A51 needs nothing.
    return this.emitter.take();
  }

  private askNext(): boolean {
    this.heard = false;
    this.asked = this.plan.shift();
    if (!this.asked) return false;
    this.send({ service: UUID.glucose, characteristic: UUID.recordAccess, bytes: racpRequest(this.asked) });
    return true;
  }

  private racp(bytes: Uint8Array, t: number): void {
    if (bytes.length >= 3 && bytes[0] === RACP.numberResponse) return; // a count nobody asked for: nothing to do
    if (bytes.length < 4 || bytes[0] !== RACP.response || bytes[2] !== RACP.report) {
      this.emitter.status('error', t, 'malformed-record-access');
      return;
    }
    this.known = true;
    this.heard = true;
    const code = bytes[3]!;
    if (code === RACP.success) this.emitter.status('ok', t, `records-received-${this.received}`);
    else if (code === RACP.noRecords) {
      this.emitter.status('ok', t, 'no-new-records');
      // A meter whose memory was cleared (or whose numbering wrapped) answers "none" to "≥ seq" for ever: its last
      // record is asked too; one already delivered is known by its id and dropped by the session.
      if (this.asked?.kind === 'from') {
        this.plan = [{ kind: 'last' }];
        this.askedAt = t;
        this.askNext();
      }
    }
    else if (RACP.unsupported.includes(code)) {
      this.askedAt = t;
      if (!this.askNext()) this.emitter.status('error', t, `record-access-unsupported-${code}`);
    } else this.emitter.status('error', t, `record-access-failed-${code}`);
  }

  private measurement(bytes: Uint8Array, nowMs: number): void {
    const parsed = parseGlucoseMeasurement(bytes, this.ctx?.utcOffsetMin ?? 0);
    if (!parsed.ok) {
      this.emitter.status('error', nowMs, 'malformed-measurement');
      return;
    }
    this.known = true;
    this.heard = true;
    this.received++;
    const r = parsed.record;
    const status = r.status ?? 0;
    const deviceMs = status & TIME_FAULT || (!r.time.ok && r.time.reason === 'unset') ? 'unset' : r.time.ok ? r.time.ms : undefined;
    const { t, deviceClock } = this.common.clockOf(deviceMs, nowMs, false);
    // Statuses say how the device is now; a record's own time is for its observation.
    const why = this.refusal(r);
    if (why) {
      this.emitter.status(why.status, nowMs, why.detail);
      return;
    }
    const code = codeOf(r.type!)!;
    const c = toMgDl(r.concentration!);
    const measurementId = `glu:${this.ctx?.address ?? 'unknown'}:${r.seq}:${valueId(bytes)}`;
    if (!c.ok) {
      // A special concentration (NaN, NRes…): the meter measured and gave no number; the record keeps it absent.
      const special = r.concentration!.m.ok ? undefined : r.concentration!.m.special;
      if (special) this.emitter.absent(code, special, t, measurementId, { flags: flagsOf(status), deviceClock, record: { seq: r.seq, stored: true } });
      this.emitter.status('error', nowMs, c.reason);
      return;
    }
    if (!inRange(code, c.mgdl)) {
      this.emitter.status('error', nowMs, 'glucose-out-of-range');
      return;
    }
    const flags = flagsOf(status);
    this.emitter.status(flags.includes('low-battery') ? 'low-battery' : 'ok', nowMs);
    this.emitter.observe(code, c.mgdl, t, measurementId, { decimals: c.decimals, reported: c.reported, flags, deviceClock, record: { seq: r.seq, stored: true } });
  }

  /** A record that is not a patient's glucose value, and the status that says why. */
  private refusal(r: GlucoseRecord): { status: 'ok' | 'error'; detail: string } | undefined {
    if (!r.concentration || r.type === undefined) return { status: 'error', detail: 'no-concentration' };
    // Control solution checks the meter: never a patient value.
    if (r.type === 10 || r.location === 4) return { status: 'ok', detail: 'control-solution' };
    if (codeOf(r.type) === undefined) return { status: 'error', detail: `unknown-sample-type-${r.type}` };
    return undefined;
  }
}

export function createDecoder(): BleDecoder {
  return new GlucoseDecoder();
}
