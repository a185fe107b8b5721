import { describe, expect, it } from 'vitest';
import { LinkSession } from '../../src/devices/link-session.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Driver, Frame } from '../../src/shared/driver.ts';
import { fakeDriver } from '../helpers/fake-driver.ts';

function withLink(base: Driver, link: Partial<Driver['link']>): Driver {
  return { ...base, link: { ...base.link, ...link } };
}

const data = (s: string): Frame => ({ kind: 'data', bytes: [...new TextEncoder().encode(s)] });
const text = (f: Frame): string => String.fromCharCode(...f.bytes);

function rig(driver: Driver): { session: LinkSession; sent: string[]; events: DeviceEvent[] } {
  const sent: string[] = [];
  const events: DeviceEvent[] = [];
  const session = new LinkSession(driver, { send: (f) => sent.push(text(f)), emit: (e) => events.push(...e) });
  return { session, sent, events };
}

describe('LinkSession', () => {
  it('sends the open frames, keep-alives and polls on schedule, and the close frames on stop', () => {
    const d = withLink(fakeDriver('t'), {
      keepAlive: { everyMs: 4000, frames: [data('KA\n')] },
      poll: { everyMs: 500, frames: [data('POLL\n')] },
    });
    const { session, sent } = rig(d);
    session.start(0);
    expect(sent).toEqual(['GO\n', 'POLL\n']);
    for (let t = 100; t <= 8000; t += 100) session.tick(t);
    expect(sent.filter((s) => s === 'KA\n')).toHaveLength(2);
    expect(sent.filter((s) => s === 'POLL\n')).toHaveLength(17);
    session.stop(8000);
    expect(sent.at(-1)).toBe('STOP\n');
  });

  it('restarts a stream that went silent, once per silence interval', () => {
    const d = withLink(fakeDriver('t'), { restartAfterSilence: { afterMs: 2000, frames: [data('GO\n')] } });
    const { session, sent } = rig(d);
    session.start(0);
    session.onData(new TextEncoder().encode('S=97\n'), 500);
    for (let t = 600; t <= 2400; t += 100) session.tick(t);
    expect(sent.filter((s) => s === 'GO\n')).toHaveLength(1);
    for (let t = 2500; t <= 6600; t += 100) session.tick(t);
    // The open frame, then a restart at 2.5, 4.5 and 6.5 s.
    expect(sent.filter((s) => s === 'GO\n')).toHaveLength(4);
  });

  it('does not restart a stream the host stopped on purpose, until it is started again', () => {
    const base = fakeDriver('t');
    const d = withLink(base, {
      restartAfterSilence: { afterMs: 2000, frames: [data('GO\n')] },
      commands: {
        stop: { description: 'stop', frames: [data('STOP\n')], stream: 'stop' },
        start: { description: 'start', frames: [data('GO\n')], stream: 'start' },
      },
    });
    const { session, sent } = rig(d);
    session.start(0);
    session.command('stop', 100);
    for (let t = 200; t <= 10_000; t += 100) session.tick(t);
    expect(sent).toEqual(['GO\n', 'STOP\n']);
    session.command('start', 10_000);
    for (let t = 10_100; t <= 12_100; t += 100) session.tick(t);
    expect(sent).toEqual(['GO\n', 'STOP\n', 'GO\n', 'GO\n']);
  });

  it("shows a command's status until a reading arrives, then the decoder's status again", () => {
    const { session, events } = rig(fakeDriver('t'));
    session.start(0);
    expect(session.command('measure', 10)).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: 'status', status: 'measuring', detail: 'press-start' });
    session.onData(new TextEncoder().encode('S=97\n'), 20);
    expect(events.at(-2)).toMatchObject({ kind: 'observation', value: 97 });
    expect(events.at(-1)).toMatchObject({ kind: 'status', status: 'ok', t: 20 });
    expect(session.command('nope', 30)).toBe(false);
    expect(session.command('constructor', 30)).toBe(false);
  });
});
