import { afterEach, describe, expect, it } from 'vitest';
import { DRIVERS } from '../../drivers/index.ts';
import { DevicesConfigSchema } from '../../src/devices/config.ts';
import { createDeviceManager } from '../../src/devices/host.ts';
import type { DeviceManager } from '../../src/devices/manager.ts';
import { PATIENT_ACTS_AFTER_MS } from '../../src/devices/transports/simulated.ts';
import type { HostMessage } from '../../src/shared/device-host.ts';
import { ManualClock, runUntil } from '../helpers/manual-clock.ts';

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
});
