import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { currentTimeBytes, dateTimeBytes } from '../../drivers/_ble/datetime.ts';
import { parseGlucoseMeasurement, toMgDl } from '../../drivers/ble-glucose/glucose.ts';
import { RACP_ANSWER_MS } from '../../drivers/ble-glucose/decoder.ts';
import { driver } from '../../drivers/ble-glucose/index.ts';
import { checkBleFuzz, connectOnce, episode, expectValidBleEvents, hexBytes, observations, RecordMemory, statusesOf, waitAdvertising } from './ble-harness.ts';

const PLASMA = 'MDC_CONC_GLU_CAPILLARY_PLASMA';
const WHOLE = 'MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD';
const GEN = 'MDC_CONC_GLU_GEN';
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const UTC = -new Date(T0).getTimezoneOffset();
const ADDRESS = '00:11:22:33:44:55';
const NORDIC = '1B 01 00 E3 07 02 1B 0B 0A 1E FB FF 1E 00 12 05 01';

const meas = (bytes: Uint8Array): CharacteristicValue => ({ service: '1808', characteristic: '2a18', bytes, via: 'notify' });
const racp = (bytes: Uint8Array): CharacteristicValue => ({ service: '1808', characteristic: '2a52', bytes, via: 'indicate' });

function fresh(lastSeq?: number): BleDecoder {
  const d = driver.createDecoder();
  d.connected({ nowMs: T0, utcOffsetMin: 0, address: ADDRESS, available: [], ...(lastSeq !== undefined ? { lastSeq } : {}) });
  return d;
}

/** A record written from §B5 by hand: flags, seq, base time, [offset], SFLOAT + type/location, [status]. */
function record(o: { seq?: number; sfloat?: number; typeLoc?: number; status?: number; mol?: boolean; offset?: number; time?: number[] } = {}): Uint8Array {
  const flags = 0x02 | (o.offset !== undefined ? 0x01 : 0) | (o.mol ? 0x04 : 0) | (o.status !== undefined ? 0x08 : 0);
  const seq = o.seq ?? 7;
  const sf = o.sfloat ?? 0xb078;
  const off = o.offset ?? 0;
  return Uint8Array.from([
    flags, seq & 0xff, seq >> 8, ...(o.time ?? dateTimeBytes(T0 - 60_000, 0)),
    ...(o.offset !== undefined ? [off & 0xff, (off >> 8) & 0xff] : []),
    sf & 0xff, sf >> 8, o.typeLoc ?? 0x12,
    ...(o.status !== undefined ? [o.status & 0xff, o.status >> 8] : []),
  ]);
}
const statusOnly = (events: readonly DeviceEvent[]): string[] => statusesOf(events);

describe('ble-glucose: the Nordic vector (ble-fhir.md §B5)', () => {
  it('decodes seq 1, 2019-02-27 11:10:30 − 5 min, 30 kg/L, capillary plasma (type = low nibble), finger, status 0x0105', () => {
    const r = parseGlucoseMeasurement(hexBytes(NORDIC), 0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.seq).toBe(1);
    expect(r.record.baseTime).toMatchObject({ ok: true, ms: Date.UTC(2019, 1, 27, 11, 10, 30) });
    expect(r.record.offsetMin).toBe(-5);
    expect(r.record.time).toMatchObject({ ok: true, ms: Date.UTC(2019, 1, 27, 11, 5, 30) });
    expect(r.record.concentration).toMatchObject({ unit: 'kg/L', m: { ok: true, mantissa: 30, exponent: 0 } });
    expect(r.record.type).toBe(2);
    expect(r.record.location).toBe(1);
    expect(r.record.status).toBe(0x0105);
    expect(r.record.contextFollows).toBe(true);
  });

  it('30 kg/L (3 000 000 mg/dL, a test artifact) is a status, never an observation', () => {
    const events = fresh().value(meas(hexBytes(NORDIC)), T0);
    expect(observations(events)).toEqual([]);
    expect(statusOnly(events)).toEqual(['error/glucose-out-of-range']);
    expectValidBleEvents(driver, events);
  });

  it('the same bytes without the offset (flags still announce it) are rejected', () => {
    const bytes = hexBytes(NORDIC.replace('FB FF ', ''));
    expect(parseGlucoseMeasurement(bytes, 0)).toEqual({ ok: false, reason: 'short' });
    const events = fresh().value(meas(bytes), T0);
    expect(observations(events)).toEqual([]);
    expect(statusOnly(events)).toEqual(['error/malformed-measurement']);
  });

  it('other short values are rejected too (status cut, concentration cut, no base time)', () => {
    for (const bytes of [hexBytes(NORDIC).slice(0, 16), hexBytes(NORDIC).slice(0, 13), hexBytes('00 01 00'), new Uint8Array()]) {
      expect(parseGlucoseMeasurement(bytes, 0).ok).toBe(false);
      expect(observations(fresh().value(meas(bytes), T0))).toEqual([]);
    }
  });
});

describe('ble-glucose: concentration and units', () => {
  it('78 B0 (SFLOAT m 120, e −5, kg/L) is 120 mg/dL with 0 decimals, on the exponent (no float error)', () => {
    const events = fresh().value(meas(record({ sfloat: 0xb078, seq: 12 })), T0);
    const [o] = observations(events);
    expect(o).toMatchObject({ code: PLASMA, value: 120, unit: 'mg/dL', decimals: 0, record: { seq: 12, stored: true }, measurementId: expect.stringMatching(new RegExp(`^glu:${ADDRESS}:12:[0-9a-f]+$`)) });
    expect(o!.reported).toBeUndefined();
    expect(statusOnly(events)).toEqual(['ok']);
    expectValidBleEvents(driver, events);
  });

  it('mol/L: 6.7 mmol/L (m 67, e −4) is 121 mg/dL (×18.016), the device value kept as reported with its decimals', () => {
    const [o] = observations(fresh().value(meas(record({ sfloat: 0xc043, mol: true })), T0));
    expect(o).toMatchObject({ value: 121, decimals: 0, reported: { value: 6.7, unit: 'mmol/L', decimals: 1 } });
    expect(toMgDl({ unit: 'mol/L', m: { ok: true, mantissa: 670, exponent: -5, value: 0.0067, decimals: 5 } })).toEqual({ ok: true, mgdl: 120.7, decimals: 1, reported: { value: 6.7, unit: 'mmol/L', decimals: 2 } });
  });

  it('sample type → code: 1 whole blood, 2 plasma, 3–9 generic; location in the high nibble changes nothing', () => {
    const code = (typeLoc: number): string[] => observations(fresh().value(meas(record({ typeLoc })), T0)).map((o) => o.code);
    expect(code(0x11)).toEqual([WHOLE]);
    expect(code(0x22)).toEqual([PLASMA]);
    for (const t of [3, 4, 5, 6, 7, 8, 9]) expect(code(0xf0 | t)).toEqual([GEN]);
  });

  it('control solution (type 10, or location 4) is never a patient value', () => {
    for (const typeLoc of [0x1a, 0x42]) {
      const events = fresh().value(meas(record({ typeLoc })), T0);
      expect(observations(events)).toEqual([]);
      expect(statusOnly(events)).toEqual(['ok/control-solution']);
    }
  });

  it('reserved sample types, special SFLOATs and out-of-range values are statuses', () => {
    const cases: [Uint8Array, string][] = [
      [record({ typeLoc: 0x10 }), 'error/unknown-sample-type-0'],
      [record({ typeLoc: 0x1f }), 'error/unknown-sample-type-15'],
      [record({ sfloat: 0xb005 }), 'error/glucose-out-of-range'], // 5 mg/dL
      [record({ sfloat: 0xb7d0 }), 'error/glucose-out-of-range'], // 2000 mg/dL
      [record({ sfloat: 0xbf88 }), 'error/glucose-out-of-range'], // −120 mg/dL
      [hexBytes('00 05 00 EA 07 0C 06 0A 00 00'), 'error/no-concentration'],
    ];
    for (const [bytes, status] of cases) {
      const events = fresh().value(meas(bytes), T0);
      expect(observations(events), status).toEqual([]);
      expect(statusOnly(events), status).toEqual([status]);
    }
  });
});

describe('ble-glucose: special SFLOATs', () => {
  it('a special concentration is the glucose absent (the device\'s reason) with an error status', () => {
    const specials: [number, string][] = [[0x07ff, 'nan'], [0x0800, 'nres'], [0x07fe, 'positive-infinity'], [0x0802, 'negative-infinity'], [0x0801, 'reserved']];
    for (const [raw, name] of specials) {
      const events = fresh().value(meas(record({ sfloat: raw })), T0);
      expectValidBleEvents(driver, events);
      const obs = observations(events);
      expect(obs, name).toHaveLength(1);
      expect(obs[0]!.absent).toBe(name);
      expect(obs[0]!.value).toBeUndefined();
      expect(obs[0]!.measurementId).toMatch(/^glu:/);
      expect(statusOnly(events)).toEqual([`error/concentration-${name}`]);
    }
  });
});

describe('ble-glucose: status bits and the clock', () => {
  it('status bits become flags; low battery is also the device status', () => {
    const cases: [number, string[]][] = [
      [0x0001, ['low-battery']],
      [0x0004, ['sample-too-small']],
      [0x0020, ['result-too-high']],
      [0x0040, ['result-too-low']],
      [0x0180, ['temperature-out-of-range']],
      [0x0402, ['device-fault']],
      [0x0105, ['low-battery', 'temperature-out-of-range', 'sample-too-small']],
    ];
    for (const [status, flags] of cases) {
      const events = fresh().value(meas(record({ status })), T0);
      const [o] = observations(events);
      expect(o!.flags, status.toString(16)).toEqual(expect.arrayContaining(flags));
      expect(o!.flags!.length).toBe(flags.length);
      expect(statusOnly(events)).toEqual([status & 1 ? 'low-battery' : 'ok']);
      expectValidBleEvents(driver, events);
    }
  });

  it('base time + offset, corrected with the Current Time read on connection', () => {
    const d = driver.createDecoder();
    d.connected({ nowMs: T0, utcOffsetMin: 60, address: ADDRESS, available: [] });
    const skew = -7 * 60_000;
    d.value({ service: '1805', characteristic: '2a2b', bytes: Uint8Array.from(currentTimeBytes(T0 + skew, 60)), via: 'read' }, T0);
    const measured = T0 - 3_600_000;
    const [o] = observations(d.value(meas(record({ time: dateTimeBytes(measured + skew - 10 * 60_000, 60), offset: 10 })), T0));
    expect(o!.t).toBe(measured);
    expect(o!.deviceClock).toEqual({ state: 'skewed', offsetMs: skew });
  });

  it('without a Current Time read a stored record keeps its own time and an unknown clock; year 0 or a time fault is unset', () => {
    const old = fresh().value(meas(record({ time: dateTimeBytes(T0 - 86_400_000, 0) })), T0);
    const [a] = observations(old);
    expect(a).toMatchObject({ t: T0 - 86_400_000, deviceClock: { state: 'unknown' } });
    // The status is the meter's now, not the record's day.
    expect(old.find((e) => e.kind === 'status')?.t).toBe(T0);
    const [b] = observations(fresh().value(meas(record({ time: [0, 0, 1, 1, 0, 0, 0] })), T0));
    expect(b).toMatchObject({ t: T0, deviceClock: { state: 'unset' } });
    const [c] = observations(fresh().value(meas(record({ status: 1 << 11 })), T0));
    expect(c).toMatchObject({ t: T0, deviceClock: { state: 'unset' } });
  });
});

describe('ble-glucose: record access', () => {
  const ask = (d: BleDecoder): string[] => d.takeOutgoing().filter((w) => w.characteristic === '2a52').map((w) => w.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' '));

  it('asks only the records after the last one seen: 01 03 01 <lastSeq+1 LE>', () => {
    expect(ask(fresh(299))).toEqual(['01 03 01 2c 01']);
  });

  it('asks the whole memory only when nothing is known of the device', () => {
    expect(ask(fresh())).toEqual(['01 01']);
  });

  it('"operator unsupported" (and the other refusals) fall back to "last record", then to all', () => {
    for (const code of [0x02, 0x03, 0x04, 0x05, 0x09]) {
      const d = fresh(5);
      expect(ask(d)).toEqual(['01 03 01 06 00']);
      expect(d.value(racp(Uint8Array.from([6, 0, 1, code])), T0)).toEqual([]);
      expect(ask(d)).toEqual(['01 06']);
      d.value(racp(Uint8Array.from([6, 0, 1, code])), T0);
      expect(ask(d)).toEqual(['01 01']);
      expect(statusOnly(d.value(racp(Uint8Array.from([6, 0, 1, code])), T0))).toEqual([`error/record-access-unsupported-${code}`]);
      expect(ask(d)).toEqual([]);
    }
  });

  it('a meter that never answers is asked the next way after 10 s of silence (a Contour answered only "last"), then said to the assistant', () => {
    const d = fresh(5);
    expect(ask(d)).toEqual(['01 03 01 06 00']);
    expect(d.tick!(T0 + RACP_ANSWER_MS - 1)).toEqual([]);
    expect(ask(d)).toEqual([]);
    d.tick!(T0 + RACP_ANSWER_MS);
    expect(ask(d)).toEqual(['01 06']);
    d.tick!(T0 + 2 * RACP_ANSWER_MS);
    expect(ask(d)).toEqual(['01 01']);
    expect(statusOnly(d.tick!(T0 + 3 * RACP_ANSWER_MS))).toEqual(['error/record-access-no-answer']);
    expect(ask(d)).toEqual([]);
  });

  it('a meter that answers (a record, or a response) is not asked again by the clock', () => {
    const d = fresh(5);
    ask(d);
    d.value(meas(record({ seq: 6 })), T0 + 2000);
    d.tick!(T0 + 5 * RACP_ANSWER_MS);
    expect(ask(d)).toEqual([]);
    const e = fresh(5);
    ask(e);
    e.value(racp(hexBytes('06 00 01 06')), T0 + 1000);
    // "None after seq 5": the last record is asked too, once (a meter whose memory was cleared restarts at 1).
    expect(ask(e)).toEqual(['01 06']);
    e.value(racp(hexBytes('06 00 01 06')), T0 + 2000);
    e.tick!(T0 + 5 * RACP_ANSWER_MS);
    expect(ask(e)).toEqual([]);
  });

  it('success, no records and a count are fine; other answers are statuses', () => {
    const d = fresh(5);
    d.value(meas(record({ seq: 6 })), T0);
    expect(statusOnly(d.value(racp(hexBytes('06 00 01 01')), T0))).toEqual(['ok/records-received-1']);
    expect(statusOnly(fresh(5).value(racp(hexBytes('06 00 01 06')), T0))).toEqual(['ok/no-new-records']);
    expect(fresh(5).value(racp(hexBytes('05 00 03 00')), T0)).toEqual([]);
    expect(statusOnly(fresh(5).value(racp(hexBytes('06 00 01 08')), T0))).toEqual(['error/record-access-failed-8']);
    expect(statusOnly(fresh(5).value(racp(hexBytes('06 00')), T0))).toEqual(['error/malformed-record-access']);
  });
});

describe('ble-glucose: against its simulator', () => {
  it('first contact: subscribes 2A18, 2A34, RACP in that order, asks all, gets 4 records; next visit only the new one', () => {
    const sim = driver.createSimulator('default');
    const memory = new RecordMemory();
    const first = episode(driver, sim, { atMs: T0, utcOffsetMin: UTC, memory });
    expect(first).toBeDefined();
    expect(driver.link.subscribe.map((s) => s.characteristic)).toEqual(['2a18', '2a34', '2a52']);
    expect(first!.unsubscribed).toEqual([]);
    expect(first!.writes.filter((w) => w.characteristic === '2a52').map((w) => w.bytes)).toEqual([[1, 1]]);
    const obs = observations(first!.kept);
    expect(obs.map((o) => o.record?.seq)).toEqual([1, 2, 3, 4]);
    expect(obs.map((o) => o.value)).toEqual([121, 114, 107, 112]);
    expect(obs.every((o) => o.code === PLASMA && o.deviceClock?.state === 'set')).toBe(true);
    expect(obs[3]!.t).toBeGreaterThanOrEqual(T0);
    expect(obs[0]!.t).toBeLessThan(T0 - 2 * 86_400_000);
    expect(statusOnly(first!.events)).toContain('ok/records-received-4');
    expectValidBleEvents(driver, first!.events);

    const second = episode(driver, sim, { atMs: T0 + 600_000, utcOffsetMin: UTC, memory });
    expect(second!.writes.filter((w) => w.characteristic === '2a52').map((w) => w.bytes)).toEqual([[1, 3, 1, 5, 0]]);
    expect(observations(second!.kept).map((o) => [o.record?.seq, o.value])).toEqual([[5, 134]]);
    expect(memory.duplicates).toBe(0);
  });

  it('no-racp-greater: "operator unsupported" to ≥ seq, then "last record" gives the new reading', () => {
    const sim = driver.createSimulator('no-racp-greater');
    const memory = new RecordMemory();
    episode(driver, sim, { atMs: T0, utcOffsetMin: UTC, memory });
    const second = episode(driver, sim, { atMs: T0 + 600_000, utcOffsetMin: UTC, memory });
    expect(second!.writes.filter((w) => w.characteristic === '2a52').map((w) => w.bytes)).toEqual([[1, 3, 1, 5, 0], [1, 6]]);
    expect(observations(second!.kept).map((o) => o.record?.seq)).toEqual([5]);
  });

  it('mmol meter: mg/dL values with the mmol/L reading reported', () => {
    const res = episode(driver, driver.createSimulator('mmol'), { atMs: T0, utcOffsetMin: UTC });
    const last = observations(res!.events).at(-1)!;
    expect(last.reported).toEqual({ value: 6.2, unit: 'mmol/L', decimals: 1 });
    expect(last.value).toBe(112);
  });

  it('empty meter: "no records" is fine; control scenario: no patient value', () => {
    const sim = driver.createSimulator('empty');
    const res = connectOnce(driver, sim, { nowMs: T0 + waitAdvertising(sim, 0)!, utcOffsetMin: UTC });
    expect(statusOnly(res.events)).toContain('ok/no-new-records');
    expect(observations(res.events)).toEqual([]);
    const ctl = episode(driver, driver.createSimulator('control'), { atMs: T0, utcOffsetMin: UTC });
    expect(observations(ctl!.events).map((o) => o.record?.seq)).toEqual([1, 2, 3]);
    expect(statusOnly(ctl!.events)).toContain('ok/control-solution');
  });

  it('a meter that was not subscribed to gets no request answered (the request waits for the subscriptions)', () => {
    const sim = driver.createSimulator('default');
    sim.advertising(2000);
    sim.connected(2000);
    expect(sim.write({ service: '1808', characteristic: '2a52' }, Uint8Array.from([1, 1]), 2000)).toEqual([]);
  });
});

describe('ble-glucose: fuzzing', () => {
  it('never throws and gives only valid events, whatever the values', () => {
    checkBleFuzz(driver, [], 300);
  });

  it('structured records: control solution never gives a number, others are in range with a record seq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffff }), (flags, seq, sf, typeLoc, status) => {
        const bytes = Uint8Array.from([flags, seq & 0xff, seq >> 8, ...dateTimeBytes(T0, 0), ...(flags & 1 ? [0xfb, 0xff] : []), ...(flags & 2 ? [sf & 0xff, sf >> 8, typeLoc] : []), ...(flags & 8 ? [status & 0xff, status >> 8] : [])]);
        const events = fresh().value(meas(bytes), T0);
        expectValidBleEvents(driver, events);
        const obs = observations(events);
        if ((typeLoc & 0x0f) === 10 || typeLoc >> 4 === 4 || !(flags & 2)) expect(obs).toEqual([]);
        for (const o of obs) expect(o.record).toEqual({ seq, stored: true });
      }),
      { numRuns: 500 },
    );
  });
});
