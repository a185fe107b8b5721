import { describe, expect, it } from 'vitest';
import { DeviceEventSchema } from '../../src/shared/device-event.ts';
import type { BleSettings, GattRef } from '../../src/shared/driver.ts';
import { currentTimeBytes, dateTimeBytes, readDateTime } from '../../drivers/_ble/datetime.ts';
import { float32, scaled, sfloat, toFloat32, toSfloat } from '../../drivers/_ble/ieee11073.ts';
import { BleCommon, CLOCK_TOLERANCE_MS } from '../../drivers/_ble/session.ts';
import { UUID, fullUuid, normaliseUuid, sameUuid } from '../../drivers/_ble/uuid.ts';

describe('IEEE 11073 SFLOAT / FLOAT (ble-fhir.md §B0)', () => {
  it('the precision vectors keep mantissa, exponent and decimals', () => {
    expect(sfloat(0x0002)).toEqual({ ok: true, mantissa: 2, exponent: 0, value: 2, decimals: 0 });
    expect(sfloat(0xf014)).toEqual({ ok: true, mantissa: 20, exponent: -1, value: 2, decimals: 1 });
    expect(sfloat(0xe0c8)).toEqual({ ok: true, mantissa: 200, exponent: -2, value: 2, decimals: 2 });
    expect(sfloat(0x1002)).toEqual({ ok: true, mantissa: 2, exponent: 1, value: 20, decimals: 0 });
    expect(sfloat(0x0b2e)).toEqual({ ok: true, mantissa: -1234, exponent: 0, value: -1234, decimals: 0 });
    expect(float32(0xff000014)).toEqual({ ok: true, mantissa: 20, exponent: -1, value: 2, decimals: 1 });
    expect(float32(0xfe0000c8)).toEqual({ ok: true, mantissa: 200, exponent: -2, value: 2, decimals: 2 });
    expect(float32(0x00fffb2e)).toEqual({ ok: true, mantissa: -1234, exponent: 0, value: -1234, decimals: 0 });
  });

  it('every special value is a reason, never a number', () => {
    const s: [number, number, string][] = [
      [0x07ff, 0x007fffff, 'nan'],
      [0x0800, 0x00800000, 'nres'],
      [0x07fe, 0x007ffffe, 'positive-infinity'],
      [0x0802, 0x00800002, 'negative-infinity'],
      [0x0801, 0x00800001, 'reserved'],
    ];
    for (const [sf, f, special] of s) {
      expect(sfloat(sf)).toEqual({ ok: false, special });
      expect(float32(f)).toEqual({ ok: false, special });
    }
    // The same mantissas with another exponent are ordinary numbers.
    expect(sfloat(0xf7ff)).toMatchObject({ ok: true, mantissa: 2047, exponent: -1 });
  });

  it('one rounding: 189·10^-1 is 18.9 and 3760·10^-2 is 37.6 (not 18.900000000000002)', () => {
    expect(189 * 10 ** -1).not.toBe(18.9);
    expect(scaled(189, -1)).toBe(18.9);
    expect(scaled(3760, -2)).toBe(37.6);
    expect(sfloat(0xf0bd).ok && sfloat(0xf0bd)).toMatchObject({ value: 18.9 });
  });

  it('the encoders round-trip, and values they cannot hold become NaN', () => {
    expect(sfloat(toSfloat(37.6, 1))).toMatchObject({ value: 37.6, decimals: 1 });
    expect(sfloat(toSfloat(-12.34, 2))).toMatchObject({ value: -12.34, decimals: 2 });
    expect(toSfloat(3000, 0)).toBe(0x07ff);
    expect(float32(toFloat32(37.6, 2))).toMatchObject({ value: 37.6, decimals: 2, mantissa: 3760 });
    expect(toFloat32(1e9, 0)).toBe(0x007fffff);
  });
});

describe('DateTime 0x2A08 and Current Time 0x2A2B', () => {
  const dt = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Uint8Array.from([y & 0xff, y >> 8, mo, d, h, mi, s]);

  it('a local time becomes UTC ms with the cabin offset', () => {
    const r = readDateTime(dt(2012, 12, 5, 11, 50, 27), 0, 0);
    expect(r).toEqual({ ok: true, ms: Date.UTC(2012, 11, 5, 11, 50, 27), fields: { year: 2012, month: 12, day: 5, hours: 11, minutes: 50, seconds: 27 } });
    expect(readDateTime(dt(2012, 12, 5, 11, 50, 27), 0, 60)).toMatchObject({ ms: Date.UTC(2012, 11, 5, 10, 50, 27) });
    expect(readDateTime(Uint8Array.from([9, ...dt(2024, 2, 29)]), 1, 0)).toMatchObject({ ok: true, ms: Date.UTC(2024, 1, 29) });
  });

  it('year, month or day 0 is an unset clock; 31 February, 29 February 2023, hour 24 and year 1581 are invalid; short is short', () => {
    expect(readDateTime(dt(0, 4, 17, 20, 41, 59), 0, 0)).toEqual({ ok: false, reason: 'unset' });
    expect(readDateTime(dt(2026, 0, 17), 0, 0)).toEqual({ ok: false, reason: 'unset' });
    expect(readDateTime(dt(2026, 4, 0), 0, 0)).toEqual({ ok: false, reason: 'unset' });
    expect(readDateTime(dt(2026, 2, 31), 0, 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(readDateTime(dt(2023, 2, 29), 0, 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(readDateTime(dt(2026, 1, 1, 24), 0, 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(readDateTime(dt(1581, 1, 1), 0, 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(readDateTime(dt(2026, 1, 1).subarray(0, 6), 0, 0)).toEqual({ ok: false, reason: 'short' });
    expect(readDateTime(dt(2026, 1, 1), 1, 0)).toEqual({ ok: false, reason: 'short' });
  });

  it('encoders: DateTime round-trips; Current Time adds day of week (Sunday 7), fractions256 and reason manual', () => {
    const ms = Date.UTC(2026, 11, 6, 19, 5, 30, 500);
    expect(readDateTime(Uint8Array.from(dateTimeBytes(ms, 60)), 0, 60)).toMatchObject({ ok: true, ms: ms - 500 });
    expect(currentTimeBytes(ms, 0)).toEqual([0xea, 0x07, 12, 6, 19, 5, 30, 7, 128, 0x01]);
  });
});

describe('UUIDs', () => {
  it('normalises any spelling to 4 hex digits, 8 for 32-bit SIG ones, dashed lowercase 128-bit otherwise', () => {
    for (const s of ['2A35', '0x2a35', '00002a35', '00002A35-0000-1000-8000-00805F9B34FB', '00002a3500001000800000805f9b34fb', ' 2a35 ']) expect(normaliseUuid(s)).toBe('2a35');
    expect(normaliseUuid('12345678')).toBe('12345678');
    expect(normaliseUuid('12345678-0000-1000-8000-00805f9b34fb')).toBe('12345678');
    expect(normaliseUuid('49535343FE7D4AE58FA99FAFD205E455')).toBe('49535343-fe7d-4ae5-8fa9-9fafd205e455');
    for (const bad of ['', 'xyz', '123', '2a3', '49535343-fe7d-4ae5-8fa9-9fafd205e45', '2a35g']) expect(normaliseUuid(bad)).toBeUndefined();
  });

  it('fullUuid and sameUuid', () => {
    expect(fullUuid('2A35')).toBe('00002a35-0000-1000-8000-00805f9b34fb');
    expect(fullUuid('12345678')).toBe('12345678-0000-1000-8000-00805f9b34fb');
    expect(sameUuid('2a35', '00002A35-0000-1000-8000-00805f9b34fb')).toBe(true);
    expect(sameUuid('2a35', '2a36')).toBe(false);
    expect(sameUuid('zz', 'zz')).toBe(false);
  });
});

describe('BleCommon: identity, clock and Current Time writes', () => {
  const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);
  const CTS: GattRef = { service: UUID.currentTimeService, characteristic: UUID.currentTime };
  const settings = (s: Partial<BleSettings> = {}): BleSettings => ({ match: [], connection: 'episodic', pairing: 'none', setClock: 'when-skewed', records: 'none', ...s });
  const open = (s: Partial<BleSettings> = {}, available: GattRef[] = [CTS], address = 'AA:BB:CC:DD:EE:FF') => {
    const c = new BleCommon(settings(s));
    const events = c.connected({ nowMs: NOW, utcOffsetMin: 0, address, available });
    return { c, events };
  };
  const ctsRead = (c: BleCommon, deviceMs: number | 'year0') => {
    const bytes = Uint8Array.from(deviceMs === 'year0' ? [0, 0, 1, 1, 0, 0, 0, 1, 0, 0] : currentTimeBytes(deviceMs, 0));
    return c.value({ ...CTS, bytes, via: 'read' }, NOW);
  };
  const dis = (c: BleCommon, characteristic: string, bytes: Uint8Array) => c.value({ service: UUID.deviceInformation, characteristic, bytes, via: 'read' }, NOW);

  it('identity: the address once per device, then each new DIS field with the ones known; repeats say nothing', () => {
    const { c, events } = open();
    expect(events).toEqual([{ kind: 'identity', address: 'AA:BB:CC:DD:EE:FF', t: NOW }]);
    expect(dis(c, UUID.manufacturerName, new TextEncoder().encode('OMRON\u0000'))).toEqual([{ kind: 'identity', address: 'AA:BB:CC:DD:EE:FF', manufacturer: 'OMRON', t: NOW }]);
    expect(dis(c, UUID.manufacturerName, new TextEncoder().encode('OMRON'))).toEqual([]);
    const sys = dis(c, UUID.systemId, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0xab]));
    expect(sys).toEqual([{ kind: 'identity', address: 'AA:BB:CC:DD:EE:FF', manufacturer: 'OMRON', systemId: '01020304050607ab', t: NOW }]);
    expect(DeviceEventSchema.safeParse(sys?.[0]).success).toBe(true);
    expect(dis(c, UUID.systemId, Uint8Array.from([1, 2, 3]))).toEqual([]);
    expect(dis(c, UUID.serialNumber, Uint8Array.from([0, 0, 0x1f]))).toEqual([]);
    expect(dis(c, '2a50', Uint8Array.from([1]))).toEqual([]);
    expect(c.connected({ nowMs: NOW, utcOffsetMin: 0, address: 'AA:BB:CC:DD:EE:FF', available: [] })).toEqual([]);
    expect(c.connected({ nowMs: NOW, utcOffsetMin: 0, address: '11:22:33:44:55:66', available: [] })).toEqual([{ kind: 'identity', address: '11:22:33:44:55:66', t: NOW }]);
  });

  it('values it does not own are undefined (the decoder takes them)', () => {
    const { c } = open();
    expect(c.value({ service: UUID.bloodPressure, characteristic: UUID.bloodPressureMeasurement, bytes: new Uint8Array(7), via: 'indicate' }, NOW)).toBeUndefined();
  });

  it('a clock within tolerance is set, not written; readings are put back on the cabin clock', () => {
    const { c } = open();
    ctsRead(c, NOW + 60_000);
    expect(c.takeOutgoing()).toEqual([]);
    expect(c.clockOf(NOW + 30_000, NOW, true)).toEqual({ t: NOW - 30_000, deviceClock: { state: 'set', offsetMs: 60_000 } });
    expect(c.clockOf(undefined, NOW, true)).toEqual({ t: NOW, deviceClock: { state: 'set', offsetMs: 60_000 } });
  });

  it('when-skewed writes past the tolerance (5 min by default, 10 for Omron), once per connection, the cabin time', () => {
    const six = open();
    ctsRead(six.c, NOW + CLOCK_TOLERANCE_MS + 60_000);
    expect(six.c.takeOutgoing()).toEqual([{ service: '1805', characteristic: '2a2b', bytes: currentTimeBytes(NOW, 0) }]);
    ctsRead(six.c, NOW + CLOCK_TOLERANCE_MS + 60_000);
    expect(six.c.takeOutgoing()).toEqual([]);
    const omron9 = open({ clockToleranceMs: 600_000 });
    ctsRead(omron9.c, NOW - 9 * 60_000);
    expect(omron9.c.takeOutgoing()).toEqual([]);
    const omron11 = open({ clockToleranceMs: 600_000 });
    ctsRead(omron11.c, NOW - 11 * 60_000);
    expect(omron11.c.takeOutgoing()).toHaveLength(1);
  });

  it('always writes when it can; never does not; nothing is written to a device without Current Time', () => {
    const always = open({ setClock: 'always' });
    ctsRead(always.c, NOW);
    expect(always.c.takeOutgoing()).toHaveLength(1);
    const never = open({ setClock: 'never' });
    ctsRead(never.c, NOW + 3_600_000);
    expect(never.c.takeOutgoing()).toEqual([]);
    expect(never.c.clockOf(NOW + 3_600_000, NOW, true).deviceClock).toEqual({ state: 'skewed', offsetMs: 3_600_000 });
    const without = open({ setClock: 'always' }, []);
    ctsRead(without.c, NOW);
    expect(without.c.takeOutgoing()).toEqual([]);
  });

  it('year 0 is unset: written when allowed, then the device keeps the cabin time; never: unset stays', () => {
    const { c } = open();
    ctsRead(c, 'year0');
    expect(c.takeOutgoing()).toHaveLength(1);
    expect(c.clockOf(undefined, NOW, true)).toEqual({ t: NOW, deviceClock: { state: 'set', offsetMs: 0 } });
    const never = open({ setClock: 'never' });
    ctsRead(never.c, 'year0');
    expect(never.c.clockOf(undefined, NOW, true)).toEqual({ t: NOW, deviceClock: { state: 'unset' } });
    expect(never.c.clockOf('unset', NOW, false)).toEqual({ t: NOW, deviceClock: { state: 'unset' } });
  });

  it('a reading stamped before the write keeps the old offset; one stamped after is on the new clock', () => {
    const { c } = open();
    ctsRead(c, NOW - 20 * 60_000);
    expect(c.takeOutgoing()).toHaveLength(1);
    expect(c.clockOf(NOW - 25 * 60_000, NOW, false)).toEqual({ t: NOW - 5 * 60_000, deviceClock: { state: 'skewed', offsetMs: -20 * 60_000 } });
    expect(c.clockOf(NOW + 60_000, NOW + 60_000, true)).toEqual({ t: NOW + 60_000, deviceClock: { state: 'set', offsetMs: 0 } });
  });

  it('after writing a fast clock: its old stamps (in the future) keep the offset, a stamp made after the write does not', () => {
    const { c } = open();
    ctsRead(c, NOW + 20 * 60_000);
    expect(c.takeOutgoing()).toHaveLength(1);
    expect(c.clockOf(NOW + 15 * 60_000, NOW + 2_000, false)).toEqual({ t: NOW - 5 * 60_000, deviceClock: { state: 'skewed', offsetMs: 20 * 60_000 } });
    expect(c.clockOf(NOW + 30_000, NOW + 31_000, true)).toEqual({ t: NOW + 30_000, deviceClock: { state: 'set', offsetMs: 0 } });
  });

  it('without a clock read: a live reading compares its own stamp, a stored one keeps it with its clock unknown', () => {
    const { c } = open({}, []);
    expect(c.clockOf(NOW + 90_000, NOW, true)).toEqual({ t: NOW, deviceClock: { state: 'set', offsetMs: 90_000 } });
    expect(c.clockOf(NOW - 86_400_000, NOW, false)).toEqual({ t: NOW - 86_400_000, deviceClock: { state: 'unknown' } });
    expect(c.clockOf(undefined, NOW, true)).toEqual({ t: NOW, deviceClock: { state: 'unknown' } });
  });

  it('a new connection forgets the last one’s clock and write', () => {
    const { c } = open();
    ctsRead(c, NOW - 20 * 60_000);
    c.takeOutgoing();
    c.connected({ nowMs: NOW, utcOffsetMin: 0, address: 'AA:BB:CC:DD:EE:FF', available: [CTS] });
    expect(c.clockOf(undefined, NOW, true).deviceClock).toEqual({ state: 'unknown' });
    ctsRead(c, NOW - 20 * 60_000);
    expect(c.takeOutgoing()).toHaveLength(1);
  });
});
