import { describe, expect, it } from 'vitest';
import { BleManager } from '../../src/devices/ble/manager.ts';
import { SimulatedCentral } from '../../src/devices/ble/simulated.ts';
import type { HostMessage } from '../../src/shared/device-host.ts';
import { HostMessageSchema } from '../../src/shared/device-host.ts';
import type { BleDriver, SimulatorValues } from '../../src/shared/driver.ts';
import { driver as bp } from '../../drivers/ble-blood-pressure/index.ts';
import { driver as thermometer } from '../../drivers/ble-thermometer/index.ts';
import { driver as scale } from '../../drivers/ble-weight-scale/index.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { expectValidBleEvents } from './ble-harness.ts';

/**
 * The three drivers through the device host's BleManager and the simulated central (as in the demo): the cabin at
 * UTC+1 while the simulated devices keep UTC, so each device clock is an hour off until the cabin writes it.
 */
async function settle(clock: ManualClock, ms: number): Promise<void> {
  for (let i = 0; i < 40; i++) {
    clock.advance(ms / 40);
    await new Promise((r) => setImmediate(r));
  }
}

async function run(driver: BleDriver, scenario: string, measurements: SimulatorValues[]) {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 9, 0, 0));
  // The devices keep UTC, the cabin is at UTC+1: as if nobody set their clocks to the cabin's zone.
  const central = new SimulatedCentral([{ driver, scenario }], clock, 20, 100, 0);
  const messages: HostMessage[] = [];
  const manager = new BleManager({ drivers: [driver], central, clock, assignAll: true, utcOffsetMin: () => 60, emit: (m) => messages.push(HostMessageSchema.parse(m)) });
  await manager.start();
  const sim = central.simulator(driver.createSimulator(scenario).address)!;
  const times: number[] = [];
  for (const values of measurements) {
    await settle(clock, 10 * 60_000);
    times.push(clock.now());
    sim.set({ ...values, completeMeasurement: true });
    await settle(clock, 30_000);
  }
  await manager.stop();
  const events = messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  expectValidBleEvents(driver, events);
  return { events, readings: events.flatMap((e) => (e.kind === 'observation' ? [e] : [])), times, messages };
}

/** Device times have whole seconds and the device measures at its next poll: within 1.5 s. */
function expectTimes(got: readonly (number | undefined)[], want: readonly number[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((t, i) => expect(Math.abs(t! - want[i]!), `reading ${i}`).toBeLessThanOrEqual(1_500));
}

describe('BLE drivers through BleManager and the simulated central', () => {
  it('BP cuff that resends its memory: each reading once, at its measurement time, the clock written at the first connection', async () => {
    const r = await run(bp, 'resend-all', [{ systolic: 121 }, { systolic: 132 }, { systolic: 143 }]);
    const sys = r.readings.filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS');
    expect(sys.map((o) => o.value)).toEqual([121, 132, 143]);
    expectTimes(sys.map((o) => o.t), r.times);
    expect(sys[0]!.deviceClock?.state).toBe('skewed');
    expect(Math.abs(sys[0]!.deviceClock!.offsetMs! + 3_600_000)).toBeLessThanOrEqual(1_000);
    expect(sys[1]!.deviceClock).toMatchObject({ state: 'set' });
  });

  it('BP cuff with record access: records after the mark only', async () => {
    const r = await run(bp, 'racp', [{ systolic: 118 }, { systolic: 128 }]);
    expect(r.readings.filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS').map((o) => [o.value, o.record?.seq])).toEqual([[118, 1], [128, 2]]);
  });

  it('A&D cuff (Date Time, no CTS): readings at their time, the clock an hour off says skewed', async () => {
    const r = await run(bp, 'a-and-d', [{ systolic: 125 }, { systolic: 126 }]);
    const sys = r.readings.filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS');
    expect(sys.map((o) => o.value)).toEqual([125, 126]);
    expectTimes(sys.map((o) => o.t), r.times);
    expect(sys[1]!.deviceClock?.state).toBe('skewed');
    expect(Math.abs(sys[1]!.deviceClock!.offsetMs! + 3_570_000)).toBeLessThanOrEqual(1_000);
  });

  it('thermometer and scale: one reading per measurement, with identity first', async () => {
    const t = await run(thermometer, 'default', [{ temperature: 37.2 }, { temperature: 38.1 }]);
    expect(t.readings.map((o) => [o.code, o.value])).toEqual([['MDC_TEMP_EAR', 37.2], ['MDC_TEMP_EAR', 38.1]]);
    expect(t.events.findIndex((e) => e.kind === 'identity')).toBeLessThan(t.events.findIndex((e) => e.kind === 'observation'));
    const s = await run(scale, 'default', [{ weight: 81.3 }, { weight: 80.9 }]);
    expect(s.readings.filter((o) => o.code === 'MDC_MASS_BODY_ACTUAL').map((o) => o.value)).toEqual([81.3, 80.9]);
  });
});
