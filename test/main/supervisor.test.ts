import { afterEach, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/devices/config.ts';
import { forkHostLauncher } from '../../src/main/devices/fork-host.ts';
import { DeviceSupervisor, type HostProcess } from '../../src/main/devices/supervisor.ts';
import type { DeviceView } from '../../src/shared/bridge.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';

const until = async (what: string, cond: () => boolean, ms = 15000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const supervisors: DeviceSupervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

describe('DeviceSupervisor', () => {
  it('restarts a killed device host; devices show as reconnecting, then stream again', async () => {
    const config = { ...defaultDevicesConfig(), simulate: [{ driver: 'contec-cms50-v7' }] };
    const launch = forkHostLauncher(config);
    const hosts: HostProcess[] = [];
    const views: DeviceView[] = [];
    const events: { at: number; e: DeviceEvent }[] = [];
    const incidents: string[] = [];
    const sup = new DeviceSupervisor(
      () => {
        const h = launch();
        hosts.push(h);
        return h;
      },
      { device: (v) => views.push(v), event: (_id, e) => events.push({ at: Date.now(), e }), incident: (d) => incidents.push(d) },
    );
    supervisors.push(sup);
    sup.start();
    await until('first readings', () => events.some((x) => x.e.kind === 'observation'));
    expect(sup.devices()[0]).toMatchObject({ driver: 'contec-cms50-v7', link: 'connected', commands: ['start', 'stop', 'identify'] });
    hosts[0]!.kill();
    await until('reconnecting', () => views.some((v) => v.link === 'reconnecting'));
    expect(incidents.some((i) => i.includes('Device host exited'))).toBe(true);
    const killedAt = Date.now();
    await until('a new host', () => hosts.length === 2);
    await until('readings again', () => events.some((x) => x.at > killedAt && x.e.kind === 'observation'));
    expect(sup.devices()[0]?.link).toBe('connected');
  });

  it('answers commands through the host, and says so when a device does not exist', async () => {
    const config = { ...defaultDevicesConfig(), simulate: [{ driver: 'omron-hem790it' }] };
    const sup = new DeviceSupervisor(forkHostLauncher(config), { device: () => {}, event: () => {}, incident: () => {} });
    supervisors.push(sup);
    sup.start();
    await until('connected', () => sup.devices().some((d) => d.link === 'connected'));
    expect(await sup.command('omron-hem790it@sim:omron-hem790it', 'measure')).toEqual({ ok: true });
    expect(await sup.command('nope', 'measure')).toMatchObject({ ok: false, error: expect.stringContaining('nope') });
  });

  it("tells the host which device's step is open: the demo's thermometer is used then, not by itself", async () => {
    const config = { ...defaultDevicesConfig(), simulate: [{ driver: 'welchallyn-suretemp', scenario: 'on-demand' }] };
    const temps: number[] = [];
    const sup = new DeviceSupervisor(forkHostLauncher(config), {
      device: () => {},
      event: (_id, e) => void (e.kind === 'observation' && e.code === 'MDC_TEMP_BODY' && temps.push(Date.now())),
      incident: () => {},
    });
    supervisors.push(sup);
    sup.start();
    await until('connected', () => sup.devices().some((d) => d.link === 'connected'));
    // Its old cycle measured 6 s after opening; nobody is at it yet.
    await new Promise((r) => setTimeout(r, 7000));
    expect(temps).toEqual([]);
    const asked = Date.now();
    sup.attend('welchallyn-suretemp@sim:welchallyn-suretemp');
    await until('the temperature', () => temps.length > 0);
    expect(temps[0]! - asked).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('after a restart of the device host, the open step is told to the new one: the thermometer is used again', async () => {
    const config = { ...defaultDevicesConfig(), simulate: [{ driver: 'welchallyn-suretemp', scenario: 'on-demand' }] };
    const launch = forkHostLauncher(config);
    const hosts: HostProcess[] = [];
    const temps: number[] = [];
    const sup = new DeviceSupervisor(
      () => {
        const h = launch();
        hosts.push(h);
        return h;
      },
      { device: () => {}, event: (_id, e) => void (e.kind === 'observation' && e.code === 'MDC_TEMP_BODY' && temps.push(Date.now())), incident: () => {} },
    );
    supervisors.push(sup);
    sup.start();
    await until('connected', () => sup.devices().some((d) => d.link === 'connected'));
    sup.attend('welchallyn-suretemp@sim:welchallyn-suretemp');
    await until('the temperature', () => temps.length > 0);
    // The host dies with the step still open on the kiosk, which says nothing more.
    hosts[0]!.kill();
    await until('a new host, its thermometer connected', () => hosts.length === 2 && sup.devices().some((d) => d.link === 'connected'));
    const back = Date.now();
    await until('the temperature from the new host', () => temps.some((t) => t > back));
  }, 30_000);
});
