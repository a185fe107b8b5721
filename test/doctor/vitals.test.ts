import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/doctor/call/observations.ts';
import { arrivalBaseline, LATE_MS, lateBy, latestVitals, shownDecimals, tileStatus, type DeviceStatusView } from '../../src/doctor/call/vitals.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import type { CallDevice } from '../../src/shared/telemetry.ts';

let n = 0;
const o = (code: MdcCode, value: number, t: number, extra: Partial<Observation> = {}): Observation => ({
  type: 'observation',
  id: `o${++n}`,
  deviceId: 'dev',
  code,
  value,
  unit: 'u',
  t,
  ...extra,
});

describe('vitals tiles', () => {
  it('shows the latest value by device time, whatever the arrival order', () => {
    const v = latestVitals([o('MDC_PULS_OXIM_SAT_O2', 97, 2000), o('MDC_PULS_OXIM_SAT_O2', 95, 1000), o('MDC_TEMP_BODY', 36.8, 500), o('MDC_MASS_BODY_ACTUAL', 72.4, 10)]);
    expect(v.spo2?.value).toBe('97');
    expect(v.temp?.value).toBe('36.8');
    expect(v.weight?.value).toBe('72.4');
    expect(v.bp).toBeUndefined();
  });

  it('pulse comes from the oximeter or the cuff, the latest of both', () => {
    expect(latestVitals([o('MDC_PULS_OXIM_PULS_RATE', 70, 1000), o('MDC_PULS_RATE_NON_INV', 66, 2000)]).pulse?.value).toBe('66');
    expect(latestVitals([o('MDC_PULS_OXIM_PULS_RATE', 70, 3000), o('MDC_PULS_RATE_NON_INV', 66, 2000)]).pulse?.value).toBe('70');
  });

  it('blood pressure groups SYS, DIA and MEAN by measurementId', () => {
    const v = latestVitals([
      o('MDC_PRESS_BLD_NONINV_SYS', 120, 1000, { measurementId: 'm1' }),
      o('MDC_PRESS_BLD_NONINV_SYS', 135, 5000, { measurementId: 'm2' }),
      o('MDC_PRESS_BLD_NONINV_DIA', 80, 1000, { measurementId: 'm1' }),
      o('MDC_PRESS_BLD_NONINV_MEAN', 93, 1000, { measurementId: 'm1' }),
      o('MDC_PRESS_BLD_NONINV_DIA', 85, 5000, { measurementId: 'm2' }),
    ]);
    expect(v.bp?.value).toBe('135/85');
    expect(v.bp?.measurementId).toBe('m2');
    expect(v.bp?.numbers).toEqual([135, 85]);
  });

  it('an incomplete newer measurement does not hide the last complete one', () => {
    const v = latestVitals([
      o('MDC_PRESS_BLD_NONINV_SYS', 120, 1000, { measurementId: 'm1' }),
      o('MDC_PRESS_BLD_NONINV_DIA', 80, 1000, { measurementId: 'm1' }),
      o('MDC_PRESS_BLD_NONINV_MEAN', 93, 1000, { measurementId: 'm1' }),
      o('MDC_PRESS_BLD_NONINV_SYS', 150, 9000, { measurementId: 'm3' }),
    ]);
    expect(v.bp?.value).toBe('120/80');
    expect(v.bp?.numbers).toEqual([120, 80, 93]);
  });

  it('without a measurementId, SYS and DIA of the same device and time go together', () => {
    const v = latestVitals([o('MDC_PRESS_BLD_NONINV_SYS', 118, 7000), o('MDC_PRESS_BLD_NONINV_DIA', 76, 7000), o('MDC_PRESS_BLD_NONINV_DIA', 99, 8000)]);
    expect(v.bp?.value).toBe('118/76');
  });

  it("a tile's signal state: its reading's device, else the first device of its category", () => {
    const devices: CallDevice[] = [
      { id: 'oxi', name: 'Oximeter', category: 'oximeter', link: 'connected', status: 'searching', commands: [] },
      { id: 'cuff', name: 'Cuff', category: 'blood-pressure', link: 'connected', commands: ['measure'] },
    ];
    const statuses = new Map<string, DeviceStatusView>([['oxi', { status: 'probe-off', t: 1 }]]);
    expect(tileStatus('spo2', undefined, devices, statuses)).toEqual({ deviceId: 'oxi', status: 'probe-off' });
    expect(tileStatus('bp', undefined, devices, statuses)).toEqual({ deviceId: 'cuff' });
    expect(tileStatus('temp', undefined, devices, statuses)).toEqual({});
    const v = latestVitals([o('MDC_PULS_OXIM_SAT_O2', 97, 1, { deviceId: 'oxi' })]);
    expect(tileStatus('spo2', v.spo2, devices, new Map()).status).toBe('searching');
  });

  it('a reading that arrived late after a cut says how late, whatever the offset between the two clocks', () => {
    // The cabin's clock is 5 s ahead of the console's; readings usually take 300 ms.
    const skew = -5000;
    const onTime = [1000, 2000, 3000].map((t) => ({ ...o('MDC_PULS_OXIM_SAT_O2', 97, t), receivedAt: t + skew + 300 }));
    // Taken at 4000 during a cut, received 31 s later than usual.
    const late = { ...o('MDC_PULS_OXIM_SAT_O2', 95, 4000), receivedAt: 4000 + skew + 300 + 31_000 };
    const all = [...onTime, late];
    const baseline = arrivalBaseline(all);
    expect(baseline).toBe(skew + 300);
    const v = latestVitals(all).spo2!;
    expect(v.receivedAt).toBe(late.receivedAt);
    expect(lateBy(v, baseline)).toBe(31_000);
    // On time (or just under the threshold): nothing extra.
    expect(lateBy({ t: 3000, receivedAt: 3000 + skew + 300 }, baseline)).toBeUndefined();
    expect(lateBy({ t: 3000, receivedAt: 3000 + skew + 300 + LATE_MS - 1 }, baseline)).toBeUndefined();
    // A reading stored before a reload has no arrival time here: nothing said.
    expect(lateBy({ t: 3000 }, baseline)).toBeUndefined();
    expect(arrivalBaseline([o('MDC_TEMP_BODY', 37, 1)])).toBeUndefined();
  });
});

describe('BLE health devices on the tiles (issue 12)', () => {
  it('temperature comes from any site code, the latest of all, with its code for the site', () => {
    const v = latestVitals([o('MDC_TEMP_BODY', 36.9, 1000), o('MDC_TEMP_EAR', 37.6, 2000, { decimals: 2 }), o('MDC_TEMP_AXILLA', 36.5, 1500)]);
    expect(v.temp).toMatchObject({ value: '37.6', code: 'MDC_TEMP_EAR', decimals: 2 });
    expect(latestVitals([o('MDC_TEMP_RECT', 38.1, 10)]).temp?.code).toBe('MDC_TEMP_RECT');
  });

  it('a glucose tile from any glucose code, none without one', () => {
    expect(latestVitals([o('MDC_PULS_OXIM_SAT_O2', 97, 1)]).glucose).toBeUndefined();
    const v = latestVitals([o('MDC_CONC_GLU_CAPILLARY_PLASMA', 105, 2000, { reported: { value: 5.8, unit: 'mmol/L', decimals: 1 } }), o('MDC_CONC_GLU_GEN', 90, 1000)]);
    expect(v.glucose).toMatchObject({ value: '105', code: 'MDC_CONC_GLU_CAPILLARY_PLASMA', reported: { values: [5.8], unit: 'mmol/L', decimals: 1 } });
  });

  it('a tile keeps its reading\'s flags and device clock; blood pressure joins the flags of SYS, DIA and MEAN', () => {
    const clock = { state: 'skewed' as const, offsetMs: 720_000 };
    const v = latestVitals([
      o('MDC_PRESS_BLD_NONINV_SYS', 142, 1000, { measurementId: 'm1', flags: ['irregular-pulse'], deviceClock: clock, reported: { value: 18.9, unit: 'kPa', decimals: 1 } }),
      o('MDC_PRESS_BLD_NONINV_DIA', 80, 1000, { measurementId: 'm1', flags: ['movement', 'irregular-pulse'], reported: { value: 10.7, unit: 'kPa', decimals: 1 } }),
      o('MDC_PULS_RATE_NON_INV', 88, 1000, { measurementId: 'm1', flags: ['irregular-pulse'], deviceClock: { state: 'unset' } }),
    ]);
    expect(v.bp?.flags).toEqual(['irregular-pulse', 'movement']);
    expect(v.bp?.deviceClock).toEqual(clock);
    expect(v.bp?.reported).toEqual({ values: [18.9, 10.7], unit: 'kPa', decimals: 1 });
    expect(v.pulse).toMatchObject({ flags: ['irregular-pulse'], deviceClock: { state: 'unset' } });
    // No flags, no clock: nothing is added.
    const plain = latestVitals([o('MDC_PULS_OXIM_SAT_O2', 97, 1)]).spo2!;
    expect(plain).not.toHaveProperty('flags');
    expect(plain).not.toHaveProperty('deviceClock');
    expect(plain).not.toHaveProperty('reported');
  });

  it('BP shows the device values only when all its parts were sent in one unit', () => {
    const v = latestVitals([
      o('MDC_PRESS_BLD_NONINV_SYS', 142, 1000, { measurementId: 'm1', reported: { value: 18.9, unit: 'kPa', decimals: 1 } }),
      o('MDC_PRESS_BLD_NONINV_DIA', 80, 1000, { measurementId: 'm1' }),
    ]);
    expect(v.bp?.reported).toBeUndefined();
  });

  it('decimals: temperature and weight as the device gave them (at most 2), the others whole', () => {
    expect(shownDecimals('temp', 2)).toBe(2);
    expect(shownDecimals('temp', 1)).toBe(1);
    expect(shownDecimals('temp', undefined)).toBe(1);
    expect(shownDecimals('weight', 3)).toBe(2);
    expect(shownDecimals('weight', 0)).toBe(0);
    expect(shownDecimals('spo2', 1)).toBe(0);
    expect(shownDecimals('glucose', 1)).toBe(0);
    expect(shownDecimals('bp', 1)).toBe(0);
  });
});
