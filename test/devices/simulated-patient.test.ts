import { afterEach, describe, expect, it } from 'vitest';
import { DRIVERS } from '../../drivers/index.ts';
import { DevicesConfigSchema } from '../../src/devices/config.ts';
import { createDeviceManager } from '../../src/devices/host.ts';
import type { DeviceManager } from '../../src/devices/manager.ts';
import { DEMO_SERIAL_DEVICES, demoConfig } from '../../src/main/config.ts';
import { PATIENT_ACTS_AFTER_MS } from '../../src/devices/transports/simulated.ts';
import type { HostMessage } from '../../src/shared/device-host.ts';
import { ManualClock, runFor, runUntil } from '../helpers/manual-clock.ts';

/** In the demo a doctor (or the assistant) asks for a BP measurement: the simulated patient presses START. */

let manager: DeviceManager | undefined;
afterEach(async () => {
  await manager?.stop();
  manager = undefined;
});

/** The manager and its simulated devices run on this clock, moved by `until` (at most `ms` of its time). */
const clock = new ManualClock();
const until = (cond: () => boolean, ms: number, what: string): Promise<void> =>
  runUntil(clock, cond, ms).catch(() => {
    throw new Error(`timed out waiting for ${what}`);
  });

describe('simulated devices answer commands the way a patient would', () => {
  it('a "measure" on the simulated cuff gives a new reading soon after, not at its next automatic one a minute later', async () => {
    const messages: HostMessage[] = [];
    manager = createDeviceManager(DRIVERS, DevicesConfigSchema.parse({ simulate: [{ driver: 'omron-hem790it' }] }), { lister: async () => [], clock });
    manager.onMessage((m) => messages.push(m));
    await manager.start();
    const sys = () => messages.filter((m) => m.type === 'event' && m.event.kind === 'observation' && m.event.code === 'MDC_PRESS_BLD_NONINV_SYS');
    // The simulator's own first reading comes 3 s after start; the next automatic one only after 60 s.
    await until(() => sys().length >= 1, 15_000, 'the first reading');
    const before = sys().length;
    const asked = clock.now();
    const r = await manager.command('omron-hem790it@sim:omron-hem790it', 'measure');
    expect(r).toEqual({ ok: true });
    expect(messages.some((m) => m.type === 'event' && m.event.kind === 'status' && m.event.detail === 'press-start')).toBe(true);
    await until(() => sys().length > before, 15_000, 'the reading of the measurement asked for');
    const took = clock.now() - asked;
    expect(took).toBeGreaterThanOrEqual(PATIENT_ACTS_AFTER_MS - 50);
    expect(took).toBeLessThan(30_000);
  }, 40_000);

  it("the demo's cuff, thermometer and scale measure when the patient does their step, never by themselves", async () => {
    const messages: HostMessage[] = [];
    manager = createDeviceManager(DRIVERS, demoConfig({ devices: { simulate: [...DEMO_SERIAL_DEVICES] } }).devices, { lister: async () => [], clock });
    manager.onMessage((m) => messages.push(m));
    await manager.start();
    const values = (code: string) => messages.filter((m) => m.type === 'event' && m.event.kind === 'observation' && m.event.code === code);
    const [SPO2, SYS, TEMP, WEIGHT] = ['MDC_PULS_OXIM_SAT_O2', 'MDC_PRESS_BLD_NONINV_SYS', 'MDC_TEMP_BODY', 'MDC_MASS_BODY_ACTUAL'];
    const id = (driver: string) => `${driver}@sim:${driver}`;
    // Seventy seconds with nobody at them (before the visit, or on the oximeter's step): the oximeter streams, the
    // others measure nothing (the simulators' own cycles gave readings at 3, 6 and 63 s).
    await runFor(clock, 70_000, 50);
    expect(values(SPO2).length).toBeGreaterThan(10);
    expect([values(SYS).length, values(TEMP).length, values(WEIGHT).length]).toEqual([0, 0, 0]);

    // The thermometer's step opens: the patient takes the probe out, the prediction ends a few seconds later. Once.
    manager.attend(id('welchallyn-suretemp'));
    let asked = clock.now();
    await until(() => values(TEMP).length > 0, 20_000, 'the temperature');
    expect(clock.now() - asked).toBeGreaterThanOrEqual(PATIENT_ACTS_AFTER_MS);
    await runFor(clock, 40_000, 50);
    expect(values(TEMP)).toHaveLength(1);

    // The scale's step: one weighing, and the thermometer (its step closed) stays in its well.
    manager.attend(id('tanita-serial'));
    asked = clock.now();
    await until(() => values(WEIGHT).length > 0, 20_000, 'the weight');
    expect(clock.now() - asked).toBeGreaterThanOrEqual(PATIENT_ACTS_AFTER_MS);
    await runFor(clock, 30_000, 50);
    expect([values(WEIGHT).length, values(TEMP).length]).toEqual([1, 1]);

    // The cuff's step alone starts nothing: the patient presses START when the kiosk's "measure" asks.
    manager.attend(id('omron-hem790it'));
    await runFor(clock, 10_000, 50);
    expect(values(SYS)).toHaveLength(0);
    expect(await manager.command(id('omron-hem790it'), 'measure')).toEqual({ ok: true });
    await until(() => values(SYS).length > 0, 15_000, 'the blood pressure');
    manager.attend(null);
    await runFor(clock, 70_000, 50);
    expect([values(SYS).length, values(TEMP).length, values(WEIGHT).length]).toEqual([1, 1, 1]);
  }, 60_000);
});
