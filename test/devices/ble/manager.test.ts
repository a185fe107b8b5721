import { describe, expect, it } from 'vitest';
import { BleManager, bleDeviceId, recordKey } from '../../../src/devices/ble/manager.ts';
import { MAX_VALUES_PER_SECOND } from '../../../src/devices/ble/session.ts';
import { SIMULATED_PASSKEY, SimulatedCentral } from '../../../src/devices/ble/simulated.ts';
import type { BleCentral } from '../../../src/devices/ble/central.ts';
import type { DeviceEvent } from '../../../src/shared/device-event.ts';
import type { HostMessage } from '../../../src/shared/device-host.ts';
import { HostMessageSchema } from '../../../src/shared/device-host.ts';
import type { BleDecoder, BleDriver, BleEmission, BleSimulator, GattRef, SimulatorValues } from '../../../src/shared/driver.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

/**
 * A made-up episodic device for the manager's rules (the real drivers have their own tests): service fff0, records on
 * fff1 (indicate) as [seq, spo2]; it keeps every record and resends its whole memory at each connection, then hangs up.
 */
const SVC = 'fff0';
const REC = 'fff1';

function counterDriver(pairing: 'none' | 'just-works' | 'passkey' = 'just-works', address = 'AA:00:00:00:00:01'): BleDriver {
  return {
    manifest: {
      id: `test-counter-${pairing}`,
      name: 'Test counter',
      manufacturer: 'Test',
      models: ['T1'],
      category: 'oximeter',
      transport: 'ble',
      usb: [],
      codes: ['MDC_PULS_OXIM_SAT_O2'],
      probeMs: 1000,
      ble: { match: [{ services: [SVC] }], connection: 'episodic', pairing, setClock: 'never', records: 'resend-all' },
    },
    link: { read: [], subscribe: [{ service: SVC, characteristic: REC, mode: 'indicate' }], commands: {} },
    scenarios: ['default'],
    createDecoder(): BleDecoder {
      return {
        recognised: false,
        connected: () => [],
        value(v, now): DeviceEvent[] {
          if (v.bytes.length !== 2) return [{ kind: 'status', status: 'error', detail: 'malformed', t: now }];
          return [{ kind: 'observation', code: 'MDC_PULS_OXIM_SAT_O2', value: v.bytes[1]!, unit: '%', t: now, measurementId: `m${v.bytes[0]}`, record: { seq: v.bytes[0]!, stored: true } }];
        },
        takeOutgoing: () => [],
        disconnected: () => [],
      };
    },
    createSimulator(): BleSimulator {
      const memory: number[][] = [];
      let pending = false;
      let sent = false;
      let value = 95;
      return {
        name: 'Counter',
        address,
        advertisedServices: [SVC],
        gatt: [{ uuid: SVC, characteristics: [{ uuid: REC, properties: ['indicate'] }] }],
        advertising: () => pending,
        connected: () => (sent = false),
        disconnected: () => undefined,
        read: () => undefined,
        write: () => [],
        subscribed(ref: GattRef, on: boolean): BleEmission[] {
          if (!on) return [];
          pending = false;
          sent = true;
          return memory.map((r) => ({ ...ref, bytes: Uint8Array.from(r) }));
        },
        advance: () => [],
        wantsDisconnect: () => sent,
        set(v: SimulatorValues) {
          if (v.spo2 !== undefined) value = v.spo2;
          if (v.completeMeasurement) {
            memory.push([memory.length + 1, value]);
            pending = true;
          }
        },
      };
    },
  };
}

async function settle(clock: ManualClock, ms = 0): Promise<void> {
  for (let i = 0; i < 20; i++) {
    clock.advance(ms / 20);
    await new Promise((r) => setImmediate(r));
  }
}

function rig(driver: BleDriver, assignAll: boolean, central?: BleCentral) {
  const clock = new ManualClock();
  const sim = central ?? new SimulatedCentral([{ driver }], clock, 20, 100);
  const messages: HostMessage[] = [];
  const manager = new BleManager({ drivers: [driver], central: sim, clock, assignAll, utcOffsetMin: () => 60, emit: (m) => messages.push(HostMessageSchema.parse(m)) });
  const readings = () => messages.flatMap((m) => (m.type === 'event' && m.event.kind === 'observation' ? [m.event] : []));
  const links = () => messages.flatMap((m) => (m.type === 'link' ? [`${m.state}${m.detail ? `:${m.detail}` : ''}`] : []));
  return { clock, sim: sim as SimulatedCentral, messages, manager, readings, links };
}

describe('BleManager on simulated devices', () => {
  it('connects a device when it advertises after a measurement, delivers it, and waits again ("done") when it hangs up', async () => {
    const driver = counterDriver();
    const r = rig(driver, true);
    await r.manager.start();
    const sim = r.sim.simulator('AA:00:00:00:00:01')!;
    await settle(r.clock, 500);
    // Bonded, it is known at start (BlueZ's cache): attached, waiting for a measurement, not connected.
    expect(r.messages.filter((m) => m.type === 'attached')).toHaveLength(1);
    expect(r.links()).toEqual(['waiting']);
    sim.set({ spo2: 97, completeMeasurement: true });
    await settle(r.clock, 500);
    const attached = r.messages.find((m) => m.type === 'attached');
    expect(attached?.type === 'attached' && attached.device).toMatchObject({ id: bleDeviceId(driver.manifest.id, 'AA:00:00:00:00:01'), transport: 'ble', address: 'AA:00:00:00:00:01', category: 'oximeter' });
    expect(r.readings().map((e) => e.value)).toEqual([97]);
    expect(r.links()).toEqual(['waiting', 'connecting', 'connected', 'waiting:done']);
  });

  it('a device that resends its whole memory gives each reading once, across connections', async () => {
    const r = rig(counterDriver(), true);
    await r.manager.start();
    const sim = r.sim.simulator('AA:00:00:00:00:01')!;
    for (const v of [96, 97, 98]) {
      sim.set({ spo2: v, completeMeasurement: true });
      await settle(r.clock, 500);
    }
    expect(r.readings().map((e) => e.value)).toEqual([96, 97, 98]);
    expect(r.links().filter((l) => l === 'connected')).toHaveLength(3);
    expect(r.messages.filter((m) => m.type === 'log' && /already delivered/.test(m.message))).toHaveLength(3);
  });

  it("main's record memory (the cabin's SQLite) keeps records already delivered before this host started from coming again", async () => {
    const driver = counterDriver();
    const r = rig(driver, true);
    r.manager.request({ type: 'ble-memory', entries: [{ key: recordKey(driver.manifest.id, 'AA:00:00:00:00:01'), seq: 2 }] });
    await r.manager.start();
    const sim = r.sim.simulator('AA:00:00:00:00:01')!;
    sim.set({ spo2: 90, completeMeasurement: true });
    sim.set({ spo2: 91, completeMeasurement: true });
    sim.set({ spo2: 92, completeMeasurement: true });
    await settle(r.clock, 500);
    expect(r.readings().map((e) => [e.record?.seq, e.value])).toEqual([[3, 92]]);
  });

  it('an unassigned device is only listed while the assistant scans; paired, it is assigned and then connects by itself', async () => {
    const driver = counterDriver();
    const r = rig(driver, false);
    await r.manager.start();
    const sim = r.sim.simulator('AA:00:00:00:00:01')!;
    r.sim.forget('AA:00:00:00:00:01');
    sim.set({ spo2: 95, completeMeasurement: true });
    await settle(r.clock, 500);
    expect(r.messages.some((m) => m.type === 'attached' || m.type === 'ble-nearby')).toBe(false);
    r.manager.request({ type: 'ble-scan', on: true });
    await settle(r.clock, 600);
    const nearby = r.messages.filter((m) => m.type === 'ble-nearby').at(-1);
    expect(nearby?.type === 'ble-nearby' && nearby.devices).toEqual([
      expect.objectContaining({ address: 'AA:00:00:00:00:01', driver: driver.manifest.id, category: 'oximeter', paired: false, assigned: false, pairing: 'just-works' }),
    ]);
    expect(r.messages.some((m) => m.type === 'attached')).toBe(false);
    r.manager.request({ type: 'ble-pair', requestId: 'p1', address: 'AA:00:00:00:00:01', driver: driver.manifest.id });
    await settle(r.clock, 600);
    expect(r.messages.flatMap((m) => (m.type === 'ble-pairing' ? [m.state] : []))).toEqual(['pairing', 'paired']);
    expect(r.readings().map((e) => e.value)).toEqual([95]);
  });

  it('a passkey device asks for the code, refuses a wrong one, pairs with the right one', async () => {
    const driver = counterDriver('passkey');
    const r = rig(driver, false);
    await r.manager.start();
    const states = () => r.messages.flatMap((m) => (m.type === 'ble-pairing' ? [`${m.requestId}:${m.state}`] : []));
    r.manager.request({ type: 'ble-pair', requestId: 'a', address: 'AA:00:00:00:00:01', driver: driver.manifest.id });
    await settle(r.clock);
    r.manager.request({ type: 'ble-pair', requestId: 'b', address: 'AA:00:00:00:00:01', driver: driver.manifest.id, passkey: '000000' });
    await settle(r.clock);
    r.manager.request({ type: 'ble-pair', requestId: 'c', address: 'AA:00:00:00:00:01', driver: driver.manifest.id, passkey: SIMULATED_PASSKEY });
    await settle(r.clock);
    expect(states()).toEqual(['a:pairing', 'a:passkey-needed', 'b:pairing', 'b:failed', 'c:pairing', 'c:paired']);
  });

  it('forgetting a device detaches it, removes only its bond, and it no longer connects', async () => {
    const driver = counterDriver();
    const r = rig(driver, false);
    r.manager.request({ type: 'ble-assigned', devices: [{ address: 'AA:00:00:00:00:01', driver: driver.manifest.id }] });
    await r.manager.start();
    const sim = r.sim.simulator('AA:00:00:00:00:01')!;
    sim.set({ spo2: 95, completeMeasurement: true });
    await settle(r.clock, 500);
    expect(r.readings()).toHaveLength(1);
    r.manager.request({ type: 'ble-forget', requestId: 'f', address: 'AA:00:00:00:00:01' });
    await settle(r.clock, 100);
    expect(r.messages.find((m) => m.type === 'detached')).toMatchObject({ reason: 'forgotten' });
    expect(r.messages.find((m) => m.type === 'ble-pairing')).toMatchObject({ requestId: 'f', state: 'forgotten' });
    sim.set({ spo2: 99, completeMeasurement: true });
    await settle(r.clock, 500);
    expect(r.readings()).toHaveLength(1);
    expect(r.manager.devices()).toEqual([]);
  });

  it('no Bluetooth adapter: one clear warning, the manager keeps running and tries again later', async () => {
    const driver = counterDriver();
    let starts = 0;
    const broken: BleCentral = {
      start: async () => {
        starts++;
        throw new Error('No Bluetooth adapter: is bluetoothd running and an adapter plugged in?');
      },
      stop: async () => undefined,
      scan: async () => undefined,
      onAdvertisement: () => undefined,
      onGone: () => undefined,
      connect: async () => {
        throw new Error('unreachable');
      },
      pair: async () => ({ ok: true }),
      forget: async () => undefined,
    };
    const r = rig(driver, false, broken);
    await r.manager.start();
    await settle(r.clock, 65_000);
    expect(starts).toBeGreaterThanOrEqual(3);
    const warnings = r.messages.filter((m) => m.type === 'log' && m.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: expect.stringContaining('No Bluetooth adapter') });
    r.manager.request({ type: 'ble-pair', requestId: 'x', address: 'AA:00:00:00:00:01', driver: driver.manifest.id });
    await settle(r.clock);
    expect(r.messages.find((m) => m.type === 'ble-pairing')).toMatchObject({ state: 'failed', detail: expect.stringContaining('not available') });
    await r.manager.stop();
  });

  it('a device lost mid-connection waits, then reconnects when it advertises again and gives what it had not given', async () => {
    const driver = counterDriver();
    const r = rig(driver, true);
    await r.manager.start();
    const sim = r.sim.simulator('AA:00:00:00:00:01')!;
    // Lost before it could send: the connection drops as soon as it opens.
    sim.set({ spo2: 93, completeMeasurement: true });
    r.clock.advance(100);
    r.sim.outOfRange('AA:00:00:00:00:01');
    await settle(r.clock, 1000);
    // The connection was gone before its subscriptions: waiting again (no reading), and since the device still has its
    // measurement to send it advertises again and is fetched then.
    expect(r.links().slice(0, 4)).toEqual(['waiting', 'connecting', 'connected', 'waiting']);
    expect(r.links().at(-1)).toBe('waiting:done');
    expect(r.readings().map((e) => e.value)).toEqual([93]);
    sim.set({ spo2: 94, completeMeasurement: true });
    await settle(r.clock, 2000);
    expect(r.readings().map((e) => e.value)).toEqual([93, 94]);
  });

  it("time passes while connected: the decoder's tick may write another request (a device that never answered)", async () => {
    const base = counterDriver();
    const written: number[][] = [];
    const driver: BleDriver = {
      ...base,
      link: { ...base.link, idleDisconnectMs: undefined },
      createDecoder(): BleDecoder {
        let asked = false;
        let out: { service: string; characteristic: string; bytes: number[] }[] = [];
        let since: number | undefined;
        return {
          ...base.createDecoder(),
          connected: (ctx) => ((since = ctx.nowMs), []),
          takeOutgoing: () => out.splice(0),
          tick(now) {
            if (!asked && since !== undefined && now - since >= 3000) {
              asked = true;
              out = [{ service: SVC, characteristic: 'fff2', bytes: [0x01, 0x06] }];
              return [{ kind: 'status', status: 'ok', detail: 'asked-again', t: now }];
            }
            return [];
          },
        };
      },
      createSimulator(): BleSimulator {
        const sim = base.createSimulator();
        return {
          ...sim,
          gatt: [{ uuid: SVC, characteristics: [{ uuid: REC, properties: ['indicate'] }, { uuid: 'fff2', properties: ['write'] }] }],
          // Connected and silent: it never sends nor hangs up by itself.
          subscribed: () => [],
          wantsDisconnect: () => false,
          write: (_ref, bytes) => (written.push([...bytes]), []),
        };
      },
    };
    const r = rig(driver, true);
    await r.manager.start();
    r.sim.simulator('AA:00:00:00:00:01')!.set({ completeMeasurement: true });
    for (let i = 0; i < 30; i++) {
      await settle(r.clock, 200);
      r.manager.tick(r.clock.now());
    }
    expect(written).toEqual([[0x01, 0x06]]);
    expect(r.messages.some((m) => m.type === 'event' && m.event.kind === 'status' && m.event.detail === 'asked-again')).toBe(true);
  });

  it('a device that floods is capped per connection: the excess is dropped with one warning, the manager goes on', async () => {
    const base = counterDriver();
    const driver: BleDriver = {
      ...base,
      createSimulator(): BleSimulator {
        const sim = base.createSimulator();
        let n = 0;
        return {
          ...sim,
          subscribed: () => [],
          wantsDisconnect: () => false,
          // 2 000 values every 20 ms step.
          advance: () => Array.from({ length: 2000 }, () => ({ service: SVC, characteristic: REC, bytes: Uint8Array.from([(n++ % 250) + 1, 97]) })),
        };
      },
    };
    const r = rig(driver, true);
    await r.manager.start();
    r.sim.simulator('AA:00:00:00:00:01')!.set({ completeMeasurement: true });
    await settle(r.clock, 1000);
    const values = r.messages.filter((m) => m.type === 'event').length;
    expect(values).toBeGreaterThan(0);
    expect(values).toBeLessThanOrEqual(2 * MAX_VALUES_PER_SECOND);
    expect(r.messages.filter((m) => m.type === 'log' && m.level === 'warn' && /more than the cabin takes/.test(m.message))).toHaveLength(1);
  });
});
