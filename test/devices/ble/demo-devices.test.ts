import { afterEach, describe, expect, it } from 'vitest';
import { BLE_DRIVERS, DRIVERS } from '../../../drivers/index.ts';
import { DevicesConfigSchema } from '../../../src/devices/config.ts';
import { createDeviceManager } from '../../../src/devices/host.ts';
import type { DeviceManager } from '../../../src/devices/manager.ts';
import { DEMO_BLE_DEVICES } from '../../../src/main/config.ts';
import { HostMessageSchema, type HostMessage } from '../../../src/shared/device-host.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

/** The demo's Bluetooth devices through the whole device host (simulated central), on a manual clock. */
describe("the demo's BLE devices in the device host", () => {
  let manager: DeviceManager | undefined;
  afterEach(async () => {
    await manager?.stop();
  });

  async function run(clock: ManualClock, ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 20) {
      clock.advance(20);
      await new Promise((r) => setImmediate(r));
    }
  }

  it('the oximeter streams SpO2, pulse and pleth; the cuff, thermometer and scale send a measurement when their step opens', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 10, 0, 0));
    const config = DevicesConfigSchema.parse({ simulate: DEMO_BLE_DEVICES });
    const messages: HostMessage[] = [];
    manager = createDeviceManager(DRIVERS, config, { lister: async () => [], bleDrivers: BLE_DRIVERS, clock });
    // As cabin main's supervisor does: the open step is told again whenever its device connects (a restarted host).
    let attending: string | null = null;
    const attend = (id: string | null) => manager!.attend((attending = id));
    manager.onMessage((m) => {
      messages.push(HostMessageSchema.parse(m));
      if (m.type === 'link' && m.state === 'connected' && m.deviceId === attending) manager!.attend(attending);
    });
    await manager.start();
    await run(clock, 3000);
    const devices = manager.devices();
    expect(devices.map((d) => d.driver).sort()).toEqual(['berrymed-bci', 'ble-blood-pressure', 'ble-thermometer', 'ble-weight-scale']);
    expect(devices.every((d) => d.transport === 'simulated' && d.address !== undefined)).toBe(true);
    const events = (driver: string) =>
      messages.flatMap((m) => (m.type === 'event' && m.deviceId.startsWith(`${driver}@`) ? [m.event] : []));
    const obs = (driver: string) => events(driver).flatMap((e) => (e.kind === 'observation' ? [e] : []));
    expect(obs('berrymed-bci').map((e) => e.code)).toEqual(expect.arrayContaining(['MDC_PULS_OXIM_SAT_O2', 'MDC_PULS_OXIM_PULS_RATE']));
    const pleth = events('berrymed-bci').flatMap((e) => (e.kind === 'waveform' ? e.samples : []));
    expect(pleth.length).toBeGreaterThan(200);
    // Nobody used the others yet: they wait, as a real cuff does between measurements.
    expect(obs('ble-blood-pressure')).toEqual([]);
    const cuff = devices.find((d) => d.driver === 'ble-blood-pressure')!;
    const links = () => messages.flatMap((m) => (m.type === 'link' && m.deviceId === cuff.id ? [m.state + (m.detail ? `:${m.detail}` : '')] : []));
    expect(links()).toEqual(['waiting']);
    attend(cuff.id);
    // Long enough for several measurements if each connection set the simulated patient going again.
    await run(clock, 12_000);
    const bp = obs('ble-blood-pressure');
    expect(bp.map((e) => e.code)).toEqual(expect.arrayContaining(['MDC_PRESS_BLD_NONINV_SYS', 'MDC_PRESS_BLD_NONINV_DIA']));
    expect(new Set(bp.map((e) => e.measurementId)).size).toBe(1);
    expect(links()).toEqual(['waiting', 'connecting', 'connected', 'waiting:done']);
    // Its identity came with it (Device Information and its address).
    const identity = events('ble-blood-pressure').filter((e) => e.kind === 'identity').at(-1);
    expect(identity).toMatchObject({ address: cuff.address });
    for (const driver of ['ble-thermometer', 'ble-weight-scale']) {
      const d = devices.find((x) => x.driver === driver)!;
      attend(d.id);
      await run(clock, 5000);
      expect(obs(driver).length).toBeGreaterThan(0);
    }
    expect(obs('ble-thermometer')[0]).toMatchObject({ unit: 'Cel', code: expect.stringMatching(/^MDC_TEMP_/) });
    expect(obs('ble-weight-scale')[0]).toMatchObject({ code: 'MDC_MASS_BODY_ACTUAL', unit: 'kg' });
    // The cuff's step opened again (the patient went back to it): a new measurement.
    attend(null);
    attend(cuff.id);
    await run(clock, 5000);
    expect(new Set(obs('ble-blood-pressure').map((e) => e.measurementId)).size).toBe(2);
  });
});
