import { afterEach, describe, expect, it } from 'vitest';
import { findDriver } from '../../drivers/index.ts';
import { defaultDevicesConfig } from '../../src/devices/config.ts';
import { probe } from '../../src/devices/discovery/probe.ts';
import { createDeviceManager, transportFactory } from '../../src/devices/host.ts';
import type { DeviceManager } from '../../src/devices/manager.ts';
import { SerialSimulator } from '../../src/devices/serial-simulator.ts';
import type { HostMessage } from '../../src/shared/device-host.ts';
import type { Driver } from '../../src/shared/driver.ts';
import { ptyPair, type PtyPair } from '../helpers/socat.ts';

/**
 * The device layer on real virtual serial ports: socat pty pairs opened by the real serialport binding,
 * a driver simulator on one end, the DeviceManager on the other.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const until = async (what: string, cond: () => boolean, ms = 8000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const driver = (id: string): Driver => {
  const d = findDriver(id);
  if (!d) throw new Error(`no driver ${id}`);
  return d;
};

async function pair(dir?: string, name?: string): Promise<PtyPair> {
  const p = await ptyPair(dir, name);
  cleanups.push(() => p.stop());
  return p;
}

async function device(id: string, path: string, scenario?: string): Promise<SerialSimulator> {
  const sim = new SerialSimulator(driver(id), path, scenario);
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

/** A lister of only the configured paths that exist (the system's own ports are not part of these tests). */
async function configuredManager(ports: { path: string; driver: string }[]): Promise<{ m: DeviceManager; messages: HostMessage[] }> {
  const { existsSync } = await import('node:fs');
  const config = { ...defaultDevicesConfig(), pollMs: 200, ports };
  const m = createDeviceManager(
    ports.map((p) => driver(p.driver)),
    config,
    { lister: async () => ports.filter((p) => existsSync(p.path)).map((p) => ({ path: p.path, kind: 'serial' as const })) },
  );
  const messages: HostMessage[] = [];
  m.onMessage((x) => messages.push(x));
  cleanups.push(() => m.stop());
  await m.start();
  return { m, messages };
}

const observed = (messages: HostMessage[], code: string, deviceId?: string): number[] =>
  messages.flatMap((x) =>
    x.type === 'event' && x.event.kind === 'observation' && x.event.code === code && (deviceId === undefined || x.deviceId === deviceId)
      ? [x.event.value!]
      : [],
  );

describe('device layer on socat pty pairs', () => {
  it('decodes a CMS50 V7 played on the other end, with its start command and keep-alive', async () => {
    const p = await pair();
    const sim = await device('contec-cms50-v7', p.a);
    sim.simulator.set({ spo2: 95, pulse: 66 });
    const { messages } = await configuredManager([{ path: p.b, driver: 'contec-cms50-v7' }]);
    await until('SpO2 95', () => observed(messages, 'MDC_PULS_OXIM_SAT_O2').includes(95));
    expect(observed(messages, 'MDC_PULS_OXIM_PULS_RATE')).toContain(66);
    sim.simulator.set({ spo2: 89 });
    await until('SpO2 89', () => observed(messages, 'MDC_PULS_OXIM_SAT_O2').includes(89));
    const pleth = (): number[] => messages.flatMap((x) => (x.type === 'event' && x.event.kind === 'waveform' ? x.event.samples : []));
    // 60 samples a second: a second of pleth arrives within about a second.
    await until('a second of pleth', () => pleth().length >= 60, 3000);
    expect(new Set(pleth()).size).toBeGreaterThan(5);
    expect(messages.find((x) => x.type === 'attached')).toMatchObject({
      device: { driver: 'contec-cms50-v7', path: p.b, reason: expect.stringContaining('configured') },
    });
  });

  it('reports a device that disappears, and reconnects it when the port returns', async () => {
    const first = await pair(undefined, 'hot');
    const dir = first.a.slice(0, first.a.lastIndexOf('/'));
    const sim = await device('contec-cms50-v7', first.a);
    const { messages } = await configuredManager([{ path: first.b, driver: 'contec-cms50-v7' }]);
    await until('first readings', () => observed(messages, 'MDC_PULS_OXIM_SAT_O2').length > 0);
    const deviceId = messages.flatMap((x) => (x.type === 'attached' && x.device.path === first.b ? [x.device.id] : []))[0];
    expect(deviceId).toBeDefined();
    await sim.stop();
    await first.stop();
    // socat gone, its links are gone, so the lister no longer lists the path: the manager must say the device left.
    await until('detached', () => messages.some((x) => x.type === 'detached' && x.deviceId === deviceId));
    const mark = messages.length;
    const second = await pair(dir, 'hot');
    expect(second.b).toBe(first.b);
    const again = await device('contec-cms50-v7', second.a);
    again.simulator.set({ spo2: 93 });
    await until('readings after replug', () => observed(messages.slice(mark), 'MDC_PULS_OXIM_SAT_O2').includes(93), 12000);
    expect(messages.slice(mark).some((x) => x.type === 'link' && x.state === 'connected')).toBe(true);
  });

  it('runs two devices at once, each on its own port', async () => {
    const p1 = await pair();
    const p2 = await pair();
    const v7 = await device('contec-cms50-v7', p1.a);
    const nonin = await device('nonin-df2', p2.a);
    v7.simulator.set({ spo2: 96 });
    nonin.simulator.set({ spo2: 91 });
    const { messages } = await configuredManager([
      { path: p1.b, driver: 'contec-cms50-v7' },
      { path: p2.b, driver: 'nonin-df2' },
    ]);
    await until('both devices', () =>
      observed(messages, 'MDC_PULS_OXIM_SAT_O2', `contec-cms50-v7@${p1.b}`).includes(96) &&
      observed(messages, 'MDC_PULS_OXIM_SAT_O2', `nonin-df2@${p2.b}`).includes(91),
    );
  });

  it('keeps a device running while another port fails', async () => {
    const p1 = await pair();
    await device('contec-cms50-v7', p1.a);
    const { messages } = await configuredManager([
      { path: p1.b, driver: 'contec-cms50-v7' },
      { path: '/dev/null', driver: 'masimo-ascii' },
    ]);
    await until('readings', () => observed(messages, 'MDC_PULS_OXIM_SAT_O2').length > 2);
    expect(messages.some((x) => x.type === 'link' && x.deviceId === 'masimo-ascii@/dev/null' && x.state === 'error')).toBe(true);
  });

  it('probes a port and picks the protocol that answers (V7 vs legacy on the same cable)', async () => {
    const p = await pair();
    await device('contec-cms50-v7', p.a);
    const port = { path: p.b, kind: 'serial' as const, vendorId: '10c4', productId: 'ea60' };
    const result = await probe(port, [driver('contec-cms50-legacy'), driver('contec-cms50-v7')], transportFactory(defaultDevicesConfig()));
    expect(result.driver?.manifest.id).toBe('contec-cms50-v7');
    expect(result.tried[0]).toContain('contec-cms50-legacy: no valid frames');
  });
});

