import { describe, expect, it } from 'vitest';
import { DeviceSupervisor, type HostProcess } from '../../src/main/devices/supervisor.ts';
import type { HostMessage, HostRequest } from '../../src/shared/device-host.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

/** A device host that only records what it is told and exits when asked to. */
class FakeHost implements HostProcess {
  readonly sent: HostRequest[] = [];
  private exit: ((code: number | null) => void)[] = [];
  private listeners: ((m: unknown) => void)[] = [];
  send(m: HostRequest): void {
    this.sent.push(m);
  }
  onMessage(fn: (m: unknown) => void): void {
    this.listeners.push(fn);
  }
  /** A message from the host to main. */
  tell(m: HostMessage): void {
    for (const fn of this.listeners) fn(m);
  }
  onExit(fn: (code: number | null) => void): void {
    this.exit.push(fn);
  }
  kill(): void {
    this.die(null);
  }
  die(code: number | null): void {
    for (const fn of this.exit.splice(0)) fn(code);
  }
}

function supervised() {
  const clock = new ManualClock(1_000_000);
  const hosts: FakeHost[] = [];
  const incidents: string[] = [];
  const sup = new DeviceSupervisor(
    () => {
      const h = new FakeHost();
      hosts.push(h);
      return h;
    },
    { device: () => {}, event: () => {}, incident: (d) => incidents.push(d) },
    undefined,
    { clock },
  );
  return { clock, hosts, incidents, sup };
}

describe('DeviceSupervisor on its clock', () => {
  it('restarts a crashed host after a growing delay (250 ms, 500 ms, 1 s …), and at once again after it stayed up 30 s', () => {
    const { clock, hosts, incidents, sup } = supervised();
    sup.start();
    hosts[0]!.die(1);
    expect(incidents.at(-1)).toContain('restarting in 250 ms');
    clock.advance(249);
    expect(hosts).toHaveLength(1);
    clock.advance(1);
    expect(hosts).toHaveLength(2);
    hosts[1]!.die(1);
    expect(incidents.at(-1)).toContain('restarting in 500 ms');
    clock.advance(500);
    hosts[2]!.die(1);
    expect(incidents.at(-1)).toContain('restarting in 1000 ms');
    clock.advance(1000);
    // Healthy for more than 30 s: the next crash starts over from the shortest delay.
    clock.advance(30_001);
    hosts[3]!.die(1);
    expect(incidents.at(-1)).toContain('restarting in 250 ms');
  });

  it('answers a command the host never answers with a timeout after 5 s, and a stopped supervisor restarts nothing', async () => {
    const { clock, hosts, sup } = supervised();
    sup.start();
    const answer = sup.command('dev-1', 'measure');
    expect(hosts[0]!.sent).toMatchObject([{ type: 'command', deviceId: 'dev-1', name: 'measure' }]);
    clock.advance(5000);
    await expect(answer).resolves.toEqual({ ok: false, error: 'The device did not answer in time.' });
    const stopped = sup.stop();
    expect(hosts[0]!.sent.at(-1)).toEqual({ type: 'shutdown' });
    clock.advance(3000); // the host ignores the shutdown: it is killed
    await stopped;
    clock.advance(60_000);
    expect(hosts).toHaveLength(1);
  });

  it('tells a restarted host which step is open once that device is connected again, and nothing once no step is', () => {
    const { clock, hosts, sup } = supervised();
    sup.start();
    const thermo = { id: 'thermo', driver: 'welchallyn-suretemp', name: 'SureTemp', category: 'thermometer', transport: 'simulated' as const, path: 'sim:t', reason: 'demo', commands: [] };
    const attends = (h: FakeHost) => h.sent.filter((m) => m.type === 'attend');
    sup.attend('thermo');
    expect(attends(hosts[0]!)).toEqual([{ type: 'attend', deviceId: 'thermo' }]);
    hosts[0]!.die(1);
    clock.advance(250);
    const fresh = hosts[1]!;
    fresh.tell({ type: 'attached', device: thermo });
    fresh.tell({ type: 'link', deviceId: 'thermo', state: 'connecting' });
    expect(attends(fresh)).toEqual([]);
    fresh.tell({ type: 'link', deviceId: 'thermo', state: 'connected' });
    expect(attends(fresh)).toEqual([{ type: 'attend', deviceId: 'thermo' }]);
    // Another device connecting is not the open step.
    fresh.tell({ type: 'link', deviceId: 'scale', state: 'connected' });
    expect(attends(fresh)).toHaveLength(1);
    // The step closed (the visit ended): a later restart sets nobody going.
    sup.attend(null);
    fresh.die(1);
    clock.advance(500);
    hosts[2]!.tell({ type: 'attached', device: thermo });
    hosts[2]!.tell({ type: 'link', deviceId: 'thermo', state: 'connected' });
    expect(attends(hosts[2]!)).toEqual([]);
  });
});
