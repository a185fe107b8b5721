import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENTS, PendingObservationSchema, ReadingSchema as BridgeReadingSchema, WaveformSchema } from '../../src/shared/bridge.ts';
import { CATALOGUE, MDC, MDC_CODES, MdcCodeSchema } from '../../src/shared/catalogue.ts';
import { ConsultationReportSchema, ReportReadingSchema, StoredReportReadingSchema, ToHubSchema } from '../../src/shared/hub-protocol.ts';
import { DeviceEventSchema, ObservationEventSchema } from '../../src/shared/device-event.ts';
import { LANGUAGES, LanguageSchema } from '../../src/shared/language.ts';
import { ABSENT_REASONS, hasValueOrAbsent, ObservationSchema, parseRows, ReadingSchema, StoredObservationSchema, WireMdcCodeSchema, withoutNulls, type Observation } from '../../src/shared/observation.ts';
import { CabinEventSchema } from '../../src/shared/telemetry.ts';
import { ObservationInputSchema, ObservationRecordSchema, WaveformInputSchema } from '../../src/main/store/schema.ts';

const obs: Observation = {
  id: 'obs-1',
  sessionId: 's-1',
  deviceId: 'contec-cms50-v7:/dev/ttyUSB0',
  code: 'MDC_PULS_OXIM_SAT_O2',
  value: 97,
  unit: '%',
  t: 1_700_000_000_000,
  measurementId: 'm-1',
};
const { sessionId: _, ...reading } = obs;
const keys = (shape: object) => Object.keys(shape).sort();

describe('MdcCode: the catalogue closed', () => {
  it('has exactly the catalogue codes, and MDC names each one without its prefix', () => {
    expect([...MDC_CODES].sort()).toEqual([...CATALOGUE.keys()].sort());
    for (const code of MDC_CODES) expect(MDC[code.slice(4) as keyof typeof MDC]).toBe(code);
    expect(Object.keys(MDC)).toHaveLength(MDC_CODES.length);
  });

  it('refuses any other string', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(MdcCodeSchema.safeParse(s).success).toBe(CATALOGUE.has(s));
      }),
    );
    expect(MdcCodeSchema.safeParse('59408-5').success).toBe(false);
  });
});

describe('Language', () => {
  it('is French then English and Arabic, and nothing else', () => {
    expect(LANGUAGES).toEqual(['fr', 'en', 'ar']);
    expect(LanguageSchema.safeParse('de').success).toBe(false);
  });
});

describe('one observation contract for every hop', () => {
  it('each hop has the contract’s fields (the bridge, the data channel and the hub without the session id)', () => {
    const withoutSession = keys(ObservationSchema.shape).filter((k) => k !== 'sessionId');
    expect(keys(ObservationInputSchema.shape)).toEqual(keys(ObservationSchema.shape));
    expect(keys(ReadingSchema.shape)).toEqual(withoutSession);
    expect(BridgeReadingSchema).toBe(ReadingSchema);
    expect(EVENTS.reading).toBe(ReadingSchema);
    expect(keys(ReportReadingSchema.shape)).toEqual(withoutSession);
    const onChannel = CabinEventSchema.options.find((o) => o.shape.type.value === 'observation')!;
    expect(keys(onChannel.shape)).toEqual([...withoutSession, 'type'].sort());
  });

  it('a valid observation passes every hop', () => {
    expect(ObservationInputSchema.parse(obs)).toEqual(obs);
    expect(ReadingSchema.parse(reading)).toEqual(reading);
    expect(CabinEventSchema.parse({ type: 'observation', ...reading })).toEqual({ type: 'observation', ...reading });
    expect(ToHubSchema.safeParse({ type: 'report', consultationId: 'c1', readings: [reading] }).success).toBe(true);
  });

  it('the same limits everywhere: id length, finite numbers, an MDC code, a unit', () => {
    const bad: Partial<Record<keyof Observation, unknown>>[] = [
      { id: 'x'.repeat(101) },
      { id: '' },
      { value: Number.NaN },
      { value: Number.POSITIVE_INFINITY },
      { t: Number.NaN },
      { code: '59408-5' },
      { code: 'mdc_puls_oxim_sat_o2' },
      { unit: '' },
      { unit: 'u'.repeat(21) },
      { deviceId: 'd'.repeat(301) },
      { measurementId: 'm'.repeat(101) },
    ];
    for (const change of bad) {
      const hint = JSON.stringify(change);
      expect(ObservationInputSchema.safeParse({ ...obs, ...change }).success, `store ${hint}`).toBe(false);
      expect(ReadingSchema.safeParse({ ...reading, ...change }).success, `bridge ${hint}`).toBe(false);
      expect(CabinEventSchema.safeParse({ type: 'observation', ...reading, ...change }).success, `channel ${hint}`).toBe(false);
      expect(ReportReadingSchema.safeParse({ ...reading, ...change }).success, `hub ${hint}`).toBe(false);
    }
  });

  it('a code of a newer catalogue: refused where the cabin produces and stores, accepted on the hops between versions', () => {
    const future = { code: 'MDC_FUTURE_DRIVER_CODE' };
    expect(ObservationInputSchema.safeParse({ ...obs, ...future }).success).toBe(false);
    expect(ReadingSchema.safeParse({ ...reading, ...future }).success).toBe(false);
    expect(ObservationEventSchema.safeParse({ kind: 'observation', value: 1, unit: '%', ...future }).success).toBe(false);
    expect(CabinEventSchema.parse({ type: 'observation', ...reading, ...future })).toEqual({ type: 'observation', ...reading, ...future });
    expect(ReportReadingSchema.parse({ ...reading, ...future })).toEqual({ ...reading, ...future });
    const end = { type: 'end', consultationId: 'c1', notes: '', readings: [reading, { ...reading, id: 'obs-2', ...future }] };
    expect(ToHubSchema.safeParse(end).success).toBe(true);
    const stream = { type: 'stream', stream: 1, deviceId: 'd', rate: 100, t0: 0, ...future };
    expect(CabinEventSchema.safeParse(stream).success).toBe(true);
  });

  it('a wire code is a catalogue code or a well-formed MDC reference id', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(WireMdcCodeSchema.safeParse(s).success).toBe(CATALOGUE.has(s) || /^MDC_[A-Z0-9_]+$/.test(s));
      }),
    );
    for (const code of MDC_CODES) expect(WireMdcCodeSchema.parse(code)).toBe(code);
    for (const bad of ['MDC_', 'MDC_a', 'MDC_X Y', `MDC_${'X'.repeat(100)}`, 42]) expect(WireMdcCodeSchema.safeParse(bad).success, String(bad)).toBe(false);
  });

  it('a driver’s observation event has the contract’s limits, the time and device optional', () => {
    const e = { kind: 'observation', code: MDC.PULS_OXIM_SAT_O2, value: 97, unit: '%' };
    expect(DeviceEventSchema.parse(e)).toEqual(e);
    expect(DeviceEventSchema.parse({ ...e, device: 'd', t: 5, measurementId: 'm' })).toEqual({ ...e, device: 'd', t: 5, measurementId: 'm' });
    for (const change of [{ unit: 'u'.repeat(21) }, { unit: '' }, { measurementId: 'm'.repeat(101) }, { code: 'pleth' }, { value: Number.NaN }, { t: Number.NaN }]) {
      expect(DeviceEventSchema.safeParse({ ...e, ...change }).success, JSON.stringify(change)).toBe(false);
    }
    for (const k of ['code', 'value', 'unit', 'measurementId'] as const) expect(ObservationEventSchema.shape[k]).toBe(ObservationSchema.shape[k]);
    expect(ObservationEventSchema.shape.t.unwrap()).toBe(ObservationSchema.shape.t);
  });

  it('the device is required everywhere but in the hub’s reports (older reports have none)', () => {
    const { deviceId: _d, ...noDevice } = reading;
    expect(ReadingSchema.safeParse(noDevice).success).toBe(false);
    expect(CabinEventSchema.safeParse({ type: 'observation', ...noDevice }).success).toBe(false);
    expect(ReportReadingSchema.safeParse(noDevice).success).toBe(true);
    expect(StoredReportReadingSchema.safeParse(noDevice).success).toBe(true);
    expect(ConsultationReportSchema.shape.readings.element).toBe(StoredReportReadingSchema);
  });

  it('waveforms share the device, code and time fields', () => {
    const w = { deviceId: reading.deviceId, code: MDC.PULS_OXIM_PLETH, t: 5, rate: 60, samples: [1, 2] };
    expect(WaveformSchema.safeParse(w).success).toBe(true);
    expect(WaveformSchema.safeParse({ ...w, code: 'pleth' }).success).toBe(false);
    expect(WaveformInputSchema.safeParse({ ...w, sessionId: 's' }).success).toBe(true);
    expect(WaveformInputSchema.safeParse({ ...w, sessionId: 's', samples: [Number.NaN] }).success).toBe(false);
  });

  it('the session phase on the data channel is one of the contract’s phases', () => {
    const session = { type: 'session', sessionId: 's', phase: 'exam', language: 'fr' };
    expect(CabinEventSchema.safeParse(session).success).toBe(true);
    expect(CabinEventSchema.safeParse({ ...session, phase: 'lunch' }).success).toBe(false);
    expect(CabinEventSchema.safeParse({ ...session, language: 'de' }).success).toBe(false);
  });
});

describe('store rows', () => {
  it('withoutNulls drops only the null fields', () => {
    expect(withoutNulls({ a: 1, b: null, c: 0, d: '' })).toEqual({ a: 1, c: 0, d: '' });
    expect(withoutNulls(null)).toBeNull();
  });

  it('parseRows reads NULL as an absent optional field, keeps what another version stored, counts corrupt rows', () => {
    const rows = [
      { ...reading, measurementId: null },
      { ...reading, id: 'obs-2', code: 'not-a-code', unit: '' },
      { ...reading, id: 'obs-3', deviceId: null },
      { ...reading, id: 'obs-4', value: 'corrupt' },
      null,
    ];
    const parsed = parseRows(StoredReportReadingSchema, rows);
    expect(parsed.rows.map((r) => r.id)).toEqual(['obs-1', 'obs-2', 'obs-3']);
    expect(parsed.unreadable).toBe(2);
    expect(parsed.rows[0]).not.toHaveProperty('measurementId');
    expect(parsed.rows[1]).toMatchObject({ code: 'not-a-code', unit: '' });
    expect(parsed.rows[2]).not.toHaveProperty('deviceId');
    expect(parseRows(StoredObservationSchema, rows.map((r) => (r ? { ...r, sessionId: 's' } : r))).unreadable).toBe(3);
  });

  it('reads back a row whose missing value has a reason a newer version added, as `reserved` (the row never vanishes)', () => {
    const { value: _v, ...row } = { ...reading, absent: 'sensor-out-of-galaxy' };
    const parsed = parseRows(StoredReportReadingSchema, [row, { ...row, id: 'obs-9', absent: 'nres' }]);
    expect(parsed.unreadable).toBe(0);
    expect(parsed.rows.map((r) => r.absent)).toEqual(['reserved', 'nres']);
    expect(parsed.rows[0]).not.toHaveProperty('value');
    // Only what is read back is lenient: a hop refuses a reason it does not know.
    expect(ReadingSchema.safeParse({ ...row, id: 'x', code: 'MDC_PULS_OXIM_SAT_O2' }).success).toBe(false);
  });
});

describe('a device’s special value: exactly one of a value or an absent reason, on every hop (issue 13)', () => {
  const { value: _v, ...noValue } = obs;
  const absentObs = { ...noValue, absent: 'nres' as const };
  const { sessionId: _s, ...absentReading } = absentObs;
  const stored = { ...absentObs, receivedAt: 1 };
  /** Each hop's final schema with what it parses: the observation, or the reading (without the session id). */
  const hops = (o: Record<string, unknown>): [string, { safeParse: (x: unknown) => { success: boolean } }, unknown][] => {
    const { sessionId: _, ...r } = o;
    return [
      ['store input', ObservationInputSchema, o],
      ['stored row', ObservationRecordSchema, { ...o, receivedAt: 1 }],
      ['stored observation', StoredObservationSchema, o],
      ['bridge', ReadingSchema, r],
      ['outbox (wire)', PendingObservationSchema, r],
      ['data channel', CabinEventSchema, { type: 'observation', ...r }],
      ['hub report part', ReportReadingSchema, r],
      ['hub stored report', StoredReportReadingSchema, r],
      ['driver event', ObservationEventSchema, { kind: 'observation', code: r.code, unit: r.unit, ...(r.value !== undefined ? { value: r.value } : {}), ...(r.absent !== undefined ? { absent: r.absent } : {}) }],
    ];
  };

  it('each absent reason passes every hop, without a value', () => {
    for (const reason of ABSENT_REASONS) {
      for (const [name, schema, x] of hops({ ...absentObs, absent: reason })) expect(schema.safeParse(x).success, `${name} ${reason}`).toBe(true);
    }
    expect(ReadingSchema.parse(absentReading)).toEqual(absentReading);
    expect(ObservationRecordSchema.parse(stored)).toEqual(stored);
  });

  it('every hop refuses neither a value nor a reason, both, and an unknown reason (read back: `reserved`)', () => {
    for (const bad of [noValue, { ...obs, absent: 'nan' }, { ...noValue, absent: 'maybe' }, { ...noValue, absent: null }]) {
      for (const [name, schema, x] of hops(bad as Record<string, unknown>)) {
        // What a store reads back keeps a reason a newer version wrote (as `reserved`): stored data never vanishes.
        const readBack = ['stored row', 'stored observation', 'hub stored report'].includes(name) && (bad as { absent?: unknown }).absent === 'maybe';
        expect(schema.safeParse(x).success, `${name} ${JSON.stringify(bad)}`).toBe(readBack);
      }
    }
  });

  it('the one-of rule is one shared helper: a value, or a reason', () => {
    expect(hasValueOrAbsent({ value: 1 })).toBe(true);
    expect(hasValueOrAbsent({ absent: 'nan' })).toBe(true);
    expect(hasValueOrAbsent({})).toBe(false);
    expect(hasValueOrAbsent({ value: 1, absent: 'nan' })).toBe(false);
  });

  it('the stored report refuses a row that has neither (a damaged row is counted unreadable, never shown as 0)', () => {
    const { rows, unreadable } = parseRows(StoredReportReadingSchema, [{ ...absentReading, value: null }, { ...absentReading, absent: null, value: null }]);
    expect(rows).toEqual([absentReading]);
    expect(unreadable).toBe(1);
  });
});
