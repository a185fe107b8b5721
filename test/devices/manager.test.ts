import { afterEach, describe, expect, it } from 'vitest';
import { DeviceManager } from '../../src/devices/manager.ts';
import { defaultDevicesConfig } from '../../src/devices/config.ts';
import type { PortInfo } from '../../src/devices/discovery/ports.ts';
import { SimulatedTransport } from '../../src/devices/transports/simulated.ts';
import { DeviceError, type Transport } from '../../src/devices/transports/transport.ts';
import type { HostMessage } from '../../src/shared/device-host.ts';
import type { Driver } from '../../src/shared/driver.ts';
import { fakeDriver } from '../helpers/fake-driver.ts';
import { ManualClock, runFor, runUntil } from '../helpers/manual-clock.ts';

/** The rigs' clock: the manager, its probes and the simulated devices run on it, moved by `until`. */
let clock = new ManualClock();
const until = (cond: () => boolean, ms = 5000): Promise<void> => runUntil(clock, cond, ms);

interface Rig {
  manager: DeviceManager;
  messages: HostMessage[];
  ports: PortInfo[];
  transports: Map<string, SimulatedTransport>;
  failOpen: Set<string>;
}

const managers: DeviceManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

function rig(drivers: Driver[], ports: PortInfo[]): Rig {
  clock = new ManualClock();
  const messages: HostMessage[] = [];
  const transports = new Map<string, SimulatedTransport>();
  const failOpen = new Set<string>();
  const config = { ...defaultDevicesConfig(), pollMs: 100 };
  const manager = new DeviceManager({
    drivers,
    config,
    lister: async () => [...ports],
    open: (port, driver): Transport => {
      if (failOpen.has(port.path)) {
        return {
          path: port.path,
          open: async () => {
            throw new DeviceError(`Port ${port.path} is busy: close the other program using it.`, 'busy');
          },
          send: async () => {},
          close: async () => {},
          onData: () => {},
          onLost: () => {},
        };
      }
      // The device answers only to the driver it really is (as on a real wire with the wrong protocol).
      const real = drivers.find((d) => port.product === d.manifest.id) ?? driver;
      const t = new SimulatedTransport(port.path, real, undefined, undefined, clock);
      transports.set(port.path, t);
      return t;
    },
    tickMs: 20,
    clock,
  });
  manager.onMessage((m) => messages.push(m));
  managers.push(manager);
  return { manager, messages, ports, transports, failOpen };
}

const usbPort = (path: string, vid = 'aaaa', pid = '0001', product?: string): PortInfo => ({
  path,
  kind: 'serial',
  vendorId: vid,
  productId: pid,
  product,
});
const values = (r: Rig, deviceId: string): number[] =>
  r.messages.flatMap((m) => (m.type === 'event' && m.deviceId === deviceId && m.event.kind === 'observation' ? [m.event.value!] : []));

describe('DeviceManager', () => {
  it('connects a device identified by USB ids, runs its link and reports its events', async () => {
    const r = rig([fakeDriver('fake-a')], [usbPort('/dev/ttyUSB0')]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length >= 3);
    const attached = r.messages.find((m) => m.type === 'attached');
    expect(attached).toMatchObject({ device: { id: 'fake-a@/dev/ttyUSB0', driver: 'fake-a', transport: 'serial' } });
    expect(r.messages.some((m) => m.type === 'link' && m.state === 'connected')).toBe(true);
    r.transports.get('/dev/ttyUSB0')!.simulator!.set({ spo2: 91 });
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').includes(91));
  });

  it('reports a device that disappears and connects it again when it returns', async () => {
    const r = rig([fakeDriver('fake-a')], [usbPort('/dev/ttyUSB0')]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length > 0);
    r.ports.splice(0);
    await until(() => r.messages.some((m) => m.type === 'detached'));
    expect(r.manager.devices()).toEqual([]);
    const before = r.messages.length;
    r.ports.push(usbPort('/dev/ttyUSB0'));
    await until(() => r.messages.slice(before).some((m) => m.type === 'event'));
    expect(r.messages.slice(before).filter((m) => m.type === 'attached')).toHaveLength(1);
  });

  it('reconnects with backoff when the link is lost while the port is still there', async () => {
    const r = rig([fakeDriver('fake-a')], [usbPort('/dev/ttyUSB0')]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length > 0);
    r.transports.get('/dev/ttyUSB0')!.unplug();
    await until(() => r.messages.some((m) => m.type === 'link' && m.state === 'reconnecting'));
    const mark = r.messages.length;
    await until(() => r.messages.slice(mark).some((m) => m.type === 'link' && m.state === 'connected'));
    await until(() => r.messages.slice(mark).some((m) => m.type === 'event'));
  });

  it('keeps other devices running when one cannot be opened', async () => {
    const r = rig([fakeDriver('fake-a'), fakeDriver('fake-b', { vendorId: 'bbbb' })], [
      usbPort('/dev/ttyUSB0'),
      usbPort('/dev/ttyUSB1', 'bbbb'),
    ]);
    r.failOpen.add('/dev/ttyUSB0');
    await r.manager.start();
    await until(() => values(r, 'fake-b@/dev/ttyUSB1').length >= 3);
    const err = r.messages.find((m) => m.type === 'link' && m.state === 'error');
    expect(err).toMatchObject({ deviceId: 'fake-a@/dev/ttyUSB0', detail: expect.stringContaining('busy') });
    // It is retried: once the port is free, the device connects.
    r.failOpen.delete('/dev/ttyUSB0');
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length > 0, 8000);
  });

  it('probes a port whose USB ids several drivers share and keeps the one that recognises the device', async () => {
    const a = fakeDriver('fake-a', { prefix: 'A' });
    const b = fakeDriver('fake-b', { prefix: 'B' });
    const r = rig([a, b], [usbPort('/dev/ttyUSB0', 'aaaa', '0001', 'fake-b')]);
    await r.manager.start();
    await until(() => values(r, 'fake-b@/dev/ttyUSB0').length > 0);
    const attached = r.messages.find((m) => m.type === 'attached');
    expect(attached).toMatchObject({ device: { driver: 'fake-b', reason: expect.stringContaining('probing recognised fake-b') } });
  });

  it('keeps other devices running when a driver throws, and reports the broken one', async () => {
    const bad = fakeDriver('fake-bad', { vendorId: 'bbbb' });
    const throwing: Driver = {
      ...bad,
      createDecoder: () => ({
        recognised: false,
        push: () => {
          throw new Error('decoder bug');
        },
      }),
    };
    const r = rig([fakeDriver('fake-a'), throwing], [usbPort('/dev/ttyUSB0'), usbPort('/dev/ttyUSB1', 'bbbb')]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length >= 5);
    expect(r.messages.some((m) => m.type === 'log' && m.level === 'error' && m.message.includes('decoder bug'))).toBe(true);
    expect(r.messages.some((m) => m.type === 'link' && m.deviceId === 'fake-bad@/dev/ttyUSB1' && m.state === 'reconnecting')).toBe(true);
  });

  it('reports a connected device that stops talking, and when it talks again', async () => {
    const quiet: Driver = { ...fakeDriver('fake-a'), manifest: { ...fakeDriver('fake-a').manifest, silenceMs: 300 } };
    const r = rig([quiet], [usbPort('/dev/ttyUSB0')]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length > 0);
    // The device is switched off while its cable stays plugged in: no bytes, no transport error.
    await r.manager.command('fake-a@/dev/ttyUSB0', 'ping');
    const sim = r.transports.get('/dev/ttyUSB0')!.simulator!;
    sim.receive({ kind: 'data', bytes: [...new TextEncoder().encode('STOP\n')] }, 0);
    await until(() => r.messages.some((m) => m.type === 'link' && m.state === 'reconnecting' && (m.detail ?? '').includes('No data')));
    const mark = r.messages.length;
    sim.receive({ kind: 'data', bytes: [...new TextEncoder().encode('GO\n')] }, 0);
    await until(() => r.messages.slice(mark).some((m) => m.type === 'link' && m.state === 'connected'));
  });

  it('probes again when another device takes the same port path', async () => {
    const a = fakeDriver('fake-a', { prefix: 'A' });
    const b = fakeDriver('fake-b', { prefix: 'B' });
    const r = rig([a, b], [{ ...usbPort('/dev/ttyUSB0', 'aaaa', '0001', 'fake-a'), serialNumber: 'one' }]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length > 0);
    // Unplugged and another device plugged in between two scans: same path, same ids, another serial.
    r.ports.splice(0, 1, { ...usbPort('/dev/ttyUSB0', 'aaaa', '0001', 'fake-b'), serialNumber: 'two' });
    await until(() => values(r, 'fake-b@/dev/ttyUSB0').length > 0, 8000);
    expect(r.messages.find((m) => m.type === 'detached')).toMatchObject({ deviceId: 'fake-a@/dev/ttyUSB0', reason: 'replaced' });
  });

  it('leaves unknown devices alone', async () => {
    const r = rig([fakeDriver('fake-a')], [usbPort('/dev/ttyUSB9', 'ffff', 'ffff')]);
    await r.manager.start();
    await runFor(clock, 300);
    expect(r.messages.filter((m) => m.type !== 'log')).toEqual([]);
  });

  it('runs commands, and explains unknown devices and commands', async () => {
    const r = rig([fakeDriver('fake-a')], [usbPort('/dev/ttyUSB0')]);
    await r.manager.start();
    await until(() => values(r, 'fake-a@/dev/ttyUSB0').length > 0);
    expect(await r.manager.command('fake-a@/dev/ttyUSB0', 'measure')).toEqual({ ok: true });
    expect(r.messages.some((m) => m.type === 'event' && m.event.kind === 'status' && m.event.detail === 'press-start')).toBe(true);
    expect(await r.manager.command('nope', 'measure')).toMatchObject({ ok: false, error: expect.stringContaining('nope') });
    expect(await r.manager.command('fake-a@/dev/ttyUSB0', 'explode')).toMatchObject({
      ok: false,
      error: expect.stringContaining('known: ping, measure'),
    });
  });
});
