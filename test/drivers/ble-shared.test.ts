import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleConnectionContext, BleSettings, CharacteristicValue, GattRef } from '../../src/shared/driver.ts';
import { Bit7Frames } from '../../drivers/_lib/bit7-frames.ts';
import { currentTimeBytes, readDateTime } from '../../drivers/_ble/datetime.ts';
import { BleDecoderBase } from '../../drivers/_ble/decoder.ts';
import { LIVE_WINDOW_MS, MeasurementDecoder, dateTimeDigits, observation, timing, type Stamp } from '../../drivers/_ble/reading.ts';
import { BleCommon } from '../../drivers/_ble/session.ts';
import { SimDeviceBasics, machineUtcOffsetMin } from '../../drivers/_ble/sim-device.ts';
import { UUID } from '../../drivers/_ble/uuid.ts';

const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);
const ADDRESS = 'AA:BB:CC:DD:EE:FF';
const CTS: GattRef = { service: UUID.currentTimeService, characteristic: UUID.currentTime };
const SETTINGS: BleSettings = { match: [{ services: ['fff0'] }], connection: 'episodic', pairing: 'none', setClock: 'when-skewed', records: 'resend-all' };
const ctx = (over: Partial<BleConnectionContext> = {}): BleConnectionContext => ({ nowMs: NOW, utcOffsetMin: 0, address: ADDRESS, available: [CTS], ...over });
const clock = (deviceMs: number): CharacteristicValue => ({ ...CTS, bytes: Uint8Array.from(currentTimeBytes(deviceMs, 0)), via: 'read' });

/** A one-service test profile: fff1 is a measurement (byte 0 its value, bytes 1–7 a DateTime or none), fff2 a status. */
class TestDecoder extends MeasurementDecoder {
  opens = 0;
  closes = 0;
  constructor() {
    super(SETTINGS, 'fff0');
  }
  protected override opened(): void {
    this.opens++;
    this.send({ service: 'fff0', characteristic: 'fff3', bytes: [1] });
  }
  protected override closed(): void {
    this.closes++;
  }
  protected characteristic(ch: string | undefined, v: CharacteristicValue, nowMs: number): DeviceEvent[] {
    if (ch === 'fff2') return this.status('measuring', nowMs, v.bytes.length > 0 ? 'cuff-inflating' : undefined);
    if (ch !== 'fff1') return [];
    const time = readDateTime(v.bytes, 1, 0);
    const stamp: Stamp = time.ok ? { ms: time.ms, fields: time.fields } : time.reason === 'short' ? undefined : 'unset';
    const fields = this.measurement(stamp, nowMs, v.bytes.length === 2 ? v.bytes[1] : undefined);
    return fields ? this.delivered([observation('MDC_PULS_OXIM_SAT_O2', { value: v.bytes[0]!, decimals: 0 }, fields)], nowMs) : [];
  }
}

const meas = (bytes: number[]): CharacteristicValue => ({ service: 'fff0', characteristic: 'fff1', bytes: Uint8Array.from(bytes), via: 'indicate' });

describe('drivers/_ble/decoder.ts (BleDecoderBase)', () => {
  it('Device Information and Current Time go to BleCommon, other values to the profile; its writes follow the clock write', () => {
    const d = new TestDecoder();
    expect(d.connected(ctx())).toEqual([{ kind: 'identity', address: ADDRESS, t: NOW }]);
    expect(d.opens).toBe(1);
    expect(d.value({ service: UUID.deviceInformation, characteristic: UUID.modelNumber, bytes: new TextEncoder().encode('T-1'), via: 'read' }, NOW)).toEqual([
      { kind: 'identity', address: ADDRESS, model: 'T-1', t: NOW },
    ]);
    // A clock an hour slow: BleCommon writes it, before the profile's own write.
    expect(d.value(clock(NOW - 3_600_000), NOW)).toEqual([]);
    expect(d.takeOutgoing().map((w) => w.characteristic)).toEqual([UUID.currentTime, 'fff3']);
    expect(d.takeOutgoing()).toEqual([]);
    expect(d.value({ service: 'fff9', characteristic: 'fff1', bytes: Uint8Array.from([97]), via: 'indicate' }, NOW)).toEqual([]);
    expect(d.recognised).toBe(false);
    expect(d.disconnected(NOW)).toEqual([]);
    expect(d.closes).toBe(1);
  });

  it('a new connection drops the writes the last one did not take', () => {
    const d = new TestDecoder();
    d.connected(ctx());
    d.connected(ctx({ nowMs: NOW + 1000 }));
    expect(d.takeOutgoing()).toEqual([{ service: 'fff0', characteristic: 'fff3', bytes: [1] }]);
    expect(BleDecoderBase.prototype.isPrototypeOf(d)).toBe(true);
  });
});

describe('drivers/_ble/reading.ts (one-off measurements)', () => {
  it('a measurement id is the address and the device stamp, else the seq, else the arrival and a counter', () => {
    const d = new TestDecoder();
    d.connected(ctx());
    const stamped = DateTimeValue(97, NOW - 5000);
    const [o] = d.value(stamped, NOW);
    expect(o).toMatchObject({ kind: 'observation', value: 97, unit: '%', decimals: 0, measurementId: `${ADDRESS}-20261206095955`, t: NOW, deviceClock: { state: 'set', offsetMs: -5000 } });
    expect(d.value(meas([95, 0, 0, 1, 1, 0, 0, 0]), NOW)[0]).toMatchObject({ measurementId: `${ADDRESS}-${NOW}-1`, t: NOW, deviceClock: { state: 'unset' } });
    expect(d.recognised).toBe(true);
    expect(d.value(meas([96, 7]), NOW)[0]).toMatchObject({ measurementId: `${ADDRESS}-seq7`, record: { seq: 7, stored: true } });
    expect(d.value(meas([95]), NOW + 1.4)[0]).toMatchObject({ measurementId: `${ADDRESS}-${NOW + 1}-2` });
    expect(d.value(meas([95]), NOW + 1.4)[0]).toMatchObject({ measurementId: `${ADDRESS}-${NOW + 1}-3` });
  });

  it('the same measurement twice in one connection is given once; again in the next connection', () => {
    const d = new TestDecoder();
    d.connected(ctx());
    expect(d.value(DateTimeValue(97, NOW - 5000), NOW)).toHaveLength(2);
    expect(d.value(DateTimeValue(97, NOW - 5000), NOW)).toEqual([]);
    expect(d.value(meas([96, 7]), NOW)).toHaveLength(1);
    expect(d.value(meas([96, 7]), NOW)).toEqual([]);
    d.connected(ctx({ nowMs: NOW + 60_000 }));
    expect(d.value(DateTimeValue(97, NOW - 5000), NOW + 60_000)).toHaveLength(1);
  });

  it('statuses only on change, detail included; `ok` after the first measurement only', () => {
    const d = new TestDecoder();
    d.connected(ctx());
    const status = (bytes: number[]): DeviceEvent[] => d.value({ service: 'fff0', characteristic: 'fff2', bytes: Uint8Array.from(bytes), via: 'notify' }, NOW);
    expect(status([1])).toEqual([{ kind: 'status', status: 'measuring', detail: 'cuff-inflating', t: NOW }]);
    expect(status([1])).toEqual([]);
    expect(status([])).toEqual([{ kind: 'status', status: 'measuring', t: NOW }]);
    expect(d.value(meas([97]), NOW).map((e) => e.kind)).toEqual(['observation', 'status']);
    expect(d.value(meas([98]), NOW).map((e) => e.kind)).toEqual(['observation']);
  });

  it('a reading stamped more than LIVE_WINDOW_MS before the connection is stored; one just inside is live', () => {
    const common = new BleCommon(SETTINGS);
    common.connected(ctx());
    common.value(clock(NOW + 30_000), NOW);
    const old = timing(common, NOW + 30_000 - LIVE_WINDOW_MS - 1000, NOW, NOW);
    expect(old).toEqual({ t: NOW - LIVE_WINDOW_MS - 1000, deviceClock: { state: 'set', offsetMs: 30_000 }, stored: true });
    expect(timing(common, NOW + 30_000 - LIVE_WINDOW_MS + 1000, NOW, NOW).stored).toBe(false);
    expect(timing(common, 'unset', NOW, NOW)).toEqual({ t: NOW, deviceClock: { state: 'unset' }, stored: false });
    expect(timing(common, undefined, NOW, NOW)).toEqual({ t: NOW, deviceClock: { state: 'set', offsetMs: 30_000 }, stored: false });
  });

  it('without a clock read, a recent stamp is taken as live (its own offset), an old one as stored on its own time', () => {
    const common = new BleCommon(SETTINGS);
    common.connected(ctx({ available: [] }));
    expect(timing(common, NOW + 90_000, NOW, NOW)).toEqual({ t: NOW, deviceClock: { state: 'set', offsetMs: 90_000 }, stored: false });
    expect(timing(common, NOW - 3 * LIVE_WINDOW_MS, NOW, NOW)).toEqual({ t: NOW - 3 * LIVE_WINDOW_MS, deviceClock: { state: 'unknown' }, stored: true });
  });

  it('DateTime digits and the observation builder', () => {
    expect(dateTimeDigits({ year: 2026, month: 1, day: 2, hours: 3, minutes: 4, seconds: 5 })).toBe('20260102030405');
    const fields = { t: NOW, measurementId: 'm', deviceClock: { state: 'unknown' as const } };
    const reported = { value: 98.6, unit: '[degF]', decimals: 1 };
    const o = observation('MDC_TEMP_BODY', { value: 37, decimals: 1, reported }, fields);
    expect(o).toEqual({ kind: 'observation', code: 'MDC_TEMP_BODY', value: 37, unit: 'Cel', decimals: 1, reported, ...fields });
    expect(o.reported).not.toBe(reported);
    expect(observation('MDC_TEMP_BODY', { value: 37, decimals: 1 }, fields)).not.toHaveProperty('reported');
  });
});

function DateTimeValue(value: number, deviceMs: number): CharacteristicValue {
  return meas([value, ...currentTimeBytes(deviceMs, 0).slice(0, 7)]);
}

describe('drivers/_lib/bit7-frames.ts', () => {
  const feed = (sync: Bit7Frames, bytes: number[]): (number[] | 'lost')[] =>
    bytes.flatMap((b) => {
      const r = sync.byte(b);
      return r === undefined ? [] : [r === 'lost' ? 'lost' : [...r]];
    });

  it('a set bit 7 starts a frame; five bytes make one, across calls', () => {
    const sync = new Bit7Frames();
    expect(feed(sync, [0x8f, 0x32, 0x05])).toEqual([]);
    expect(feed(sync, [0x48, 0x62, 0x80, 0x01, 0x02, 0x03, 0x04])).toEqual([[0x8f, 0x32, 0x05, 0x48, 0x62], [0x80, 1, 2, 3, 4]]);
  });

  it('garbage outside a frame and a frame cut short by a new start lose sync; the new start counts', () => {
    const sync = new Bit7Frames();
    expect(feed(sync, [0x01, 0x02])).toEqual(['lost', 'lost']);
    expect(feed(sync, [0x81, 0x10, 0x82, 0x01, 0x02, 0x03, 0x04])).toEqual(['lost', [0x82, 1, 2, 3, 4]]);
  });

  it('reset drops a partial frame', () => {
    const sync = new Bit7Frames();
    feed(sync, [0x81, 0x10, 0x11]);
    sync.reset();
    expect(feed(sync, [0x12, 0x13])).toEqual(['lost', 'lost']);
    expect(new Bit7Frames(3).byte(0x80)).toBeUndefined();
  });
});

describe('drivers/_ble/sim-device.ts (SimDeviceBasics)', () => {
  const ref = (characteristic: string): GattRef => ({ service: '0000', characteristic });
  const text = (b: Uint8Array | undefined): string | undefined => (b ? new TextDecoder().decode(b) : undefined);

  it('answers the Device Information it has, and lists only those', () => {
    const b = new SimDeviceBasics({ manufacturer: 'M', model: 'X1', systemId: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(b.services).toEqual([{ uuid: UUID.deviceInformation, characteristics: [UUID.manufacturerName, UUID.modelNumber, UUID.systemId].map((uuid) => ({ uuid, properties: ['read'] })) }]);
    expect(text(b.read(ref(UUID.modelNumber), NOW))).toBe('X1');
    expect(b.read(ref(UUID.serialNumber), NOW)).toBeUndefined();
    expect([...b.read(ref(UUID.systemId), NOW)!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // No Current Time service: no clock to read.
    expect(b.read(ref(UUID.currentTime), NOW)).toBeUndefined();
  });

  it('its clock: local time of its zone, off by its offset, year 0 while unset, set by a write', () => {
    const b = new SimDeviceBasics({ manufacturer: 'M', model: 'X1' }, { utcOffsetMin: 60, offsetMs: 90_000, cts: ['read', 'write'] });
    expect(b.services[1]).toEqual({ uuid: UUID.currentTimeService, characteristics: [{ uuid: UUID.currentTime, properties: ['read', 'write'] }] });
    expect(readDateTime(b.read(ref(UUID.currentTime), NOW)!, 0, 60)).toMatchObject({ ok: true, ms: NOW + 90_000 });
    expect(b.dateTime(NOW).slice(4, 6)).toEqual([11, 0]); // 10:00 UTC is 11:00 at UTC+1
    expect(b.write(ref(UUID.currentTime), Uint8Array.from(currentTimeBytes(NOW, 60)), NOW + 500)).toBe(true);
    expect(b.offsetMs).toBe(-500);
    expect(b.write(ref(UUID.modelNumber), Uint8Array.from([1]), NOW)).toBe(false);
    const unset = new SimDeviceBasics({ manufacturer: 'M', model: 'X1' }, { utcOffsetMin: 0, offsetMs: undefined, cts: ['read'] });
    expect(unset.clockBytes(NOW).slice(0, 2)).toEqual([0, 0]);
    expect(unset.dateTime(undefined).slice(0, 2)).toEqual([0, 0]);
    unset.setClock(Uint8Array.from(currentTimeBytes(NOW, 0)), NOW);
    expect(unset.clockBytes(NOW + 1000)).toEqual(currentTimeBytes(NOW + 1000, 0));
  });

  it('without a zone, the machine’s offset at that moment', () => {
    const b = new SimDeviceBasics({ manufacturer: 'M', model: 'X1' });
    expect(b.utcOffsetMin(NOW)).toBe(machineUtcOffsetMin(NOW));
    expect(machineUtcOffsetMin(NOW)).toBe(-new Date(NOW).getTimezoneOffset());
  });
});

describe('the simulators’ zone option', () => {
  it('a cuff, thermometer or scale in the cabin’s zone (UTC+1) is off only by its scenario’s offset; UTC by default', async () => {
    const { driver: bp } = await import('../../drivers/ble-blood-pressure/index.ts');
    const { createSimulator: thermometer } = await import('../../drivers/ble-thermometer/simulator.ts');
    const { createSimulator: scale } = await import('../../drivers/ble-weight-scale/simulator.ts');
    const { createSimulator: cuff } = await import('../../drivers/ble-blood-pressure/simulator.ts');
    const cts = (sim: { read(r: GattRef, n: number): Uint8Array | undefined }, utc: number) => readDateTime(sim.read(CTS, NOW)!, 0, utc);
    expect(cts(cuff('default', { utcOffsetMin: 60 }), 60)).toMatchObject({ ok: true, ms: NOW + 90_000 });
    expect(cts(thermometer('default', { utcOffsetMin: 60 }), 60)).toMatchObject({ ok: true, ms: NOW - 45_000 });
    expect(cts(scale('default', { utcOffsetMin: 60 }), 60)).toMatchObject({ ok: true, ms: NOW + 20_000 });
    // Without the option the device keeps UTC: read in a UTC+1 cabin it is an hour slow.
    expect(cts(bp.createSimulator('resend-all'), 60)).toMatchObject({ ok: true, ms: NOW - 3_600_000 });
  });
});
