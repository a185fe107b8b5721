import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clipHostLog, HostLogSink, DEFAULT_HOST_LOG_CAP } from '../../src/main/devices/host-log.ts';
import { DeviceSupervisor, type HostProcess } from '../../src/main/devices/supervisor.ts';
import { createLogger } from '../../src/server/log.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

function capture(level: 'debug' | 'info' | 'warn' = 'debug') {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ name: 'cabin', level, destination: stream });
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => vi.useRealTimers());

describe('clipHostLog', () => {
  it('cuts long messages and field values, and keeps at most the cap of fields', () => {
    const fields = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i === 0 ? 'x'.repeat(500) : i]));
    const m = clipHostLog({ type: 'log', level: 'info', message: 'y'.repeat(5000), fields });
    expect(m.message).toHaveLength(DEFAULT_HOST_LOG_CAP.messageChars + 1);
    expect(Object.keys(m.fields!)).toHaveLength(DEFAULT_HOST_LOG_CAP.fields);
    expect(m.fields!.f0).toHaveLength(DEFAULT_HOST_LOG_CAP.fieldChars + 1);
    expect(m.fields!.f1).toBe(1);
  });
});

describe('HostLogSink', () => {
  it('writes each line at its level with its fields (patient fields censored), and hands it on', async () => {
    const out = capture();
    const kept: string[] = [];
    const sink = new HostLogSink(out.log.child({ component: 'device-host' }), (m) => void kept.push(m.level));
    await sink.write({ type: 'log', level: 'info', message: 'device host started', fields: { ports: 2 } });
    await sink.write({ type: 'log', level: 'warn', message: 'odd frame', fields: { value: 93.5 } });
    await sink.write({ type: 'log', level: 'debug', message: 'probe' });
    const lines = out.lines();
    expect(lines.map((l) => [l.level, l.msg, l.component])).toEqual([
      [30, 'device host started', 'device-host'],
      [40, 'odd frame', 'device-host'],
      [20, 'probe', 'device-host'],
    ]);
    expect(lines[0]!.detail).toEqual({ ports: 2 });
    expect(JSON.stringify(lines[1])).not.toContain('93.5');
    expect(kept).toEqual(['info', 'warn', 'debug']);
  });

  it('drops the lines over the rate cap, then says how many were dropped', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const out = capture();
    const kept: string[] = [];
    const sink = new HostLogSink(out.log, (m) => void kept.push(m.message), { ...DEFAULT_HOST_LOG_CAP, lines: 3, windowS: 10 });
    for (let i = 0; i < 50; i++) await sink.write({ type: 'log', level: 'error', message: `flood ${i}` });
    expect(kept).toEqual(['flood 0', 'flood 1', 'flood 2']);
    expect(out.lines()).toHaveLength(3);
    vi.setSystemTime(1_000_000 + 10_001);
    await sink.write({ type: 'log', level: 'info', message: 'calm again' });
    const lines = out.lines();
    expect(lines.at(-2)).toMatchObject({ level: 40, dropped: 47 });
    expect(lines.at(-1)).toMatchObject({ msg: 'calm again' });
    // The dropped errors are one incident too.
    expect(kept.at(-2)).toBe('47 warnings and errors of the device host were dropped (over 3 in 10 s)');
  });

  it('keeps warnings and errors when info lines flood, and counts a window on the injected clock', () => {
    const clock = new ManualClock();
    const out = capture();
    const kept: string[] = [];
    const sink = new HostLogSink(out.log, (m) => void kept.push(m.message), { ...DEFAULT_HOST_LOG_CAP, lines: 3, windowS: 10 }, clock);
    for (let i = 0; i < 20; i++) sink.write({ type: 'log', level: 'info', message: `chatty ${i}` });
    sink.write({ type: 'log', level: 'error', message: 'sensor failed' });
    expect(kept).toEqual(['chatty 0', 'chatty 1', 'chatty 2', 'sensor failed']);
    clock.advance(9_999);
    sink.write({ type: 'log', level: 'info', message: 'still dropped' });
    expect(kept.at(-1)).toBe('sensor failed');
    clock.advance(1);
    sink.write({ type: 'log', level: 'info', message: 'next window' });
    expect(out.lines().slice(-2)).toMatchObject([{ level: 40, dropped: 18 }, { msg: 'next window' }]);
    // Info lines dropped are a warning of main's log, not an incident.
    expect(kept.at(-1)).toBe('next window');
  });

  it("spends no budget on lines below main's level", () => {
    const out = capture('info');
    const kept: string[] = [];
    const sink = new HostLogSink(out.log, (m) => void kept.push(m.message), { ...DEFAULT_HOST_LOG_CAP, lines: 3 }, new ManualClock());
    for (let i = 0; i < 20; i++) sink.write({ type: 'log', level: 'debug', message: `probe ${i}` });
    for (let i = 0; i < 3; i++) sink.write({ type: 'log', level: 'info', message: `kept ${i}` });
    sink.flush();
    expect(kept).toEqual(['kept 0', 'kept 1', 'kept 2']);
    expect(out.lines().map((l) => l.msg)).toEqual(['kept 0', 'kept 1', 'kept 2']);
  });
});

describe('DeviceSupervisor and the host log', () => {
  it("writes the host's lines to main's log (info included) and makes warnings and errors incidents", async () => {
    const out = capture();
    let listener: (m: unknown) => void = () => {};
    const host: HostProcess = { send: () => {}, onMessage: (l) => void (listener = l), onExit: () => {}, kill: () => {} };
    const incidents: string[] = [];
    const sup = new DeviceSupervisor(() => host, { device: () => {}, event: () => {}, incident: (d) => void incidents.push(d) }, undefined, { log: out.log });
    sup.start();
    listener({ type: 'log', level: 'info', message: 'device host started' });
    listener({ type: 'log', level: 'error', message: 'driver failed' });
    await vi.waitFor(() => expect(out.lines()).toHaveLength(2));
    expect(out.lines().map((l) => [l.component, l.msg])).toEqual([
      ['device-host', 'device host started'],
      ['device-host', 'driver failed'],
    ]);
    expect(incidents).toEqual(['driver failed']);
  });

  it("keeps a host's last error before its exit, and the dropped count before the exit too", () => {
    const out = capture();
    let listener: (m: unknown) => void = () => {};
    let exit: (code: number | null) => void = () => {};
    const host: HostProcess = { send: () => {}, onMessage: (l) => void (listener = l), onExit: (l) => void (exit = l), kill: () => {} };
    const incidents: string[] = [];
    const clock = new ManualClock();
    const sup = new DeviceSupervisor(() => host, { device: () => {}, event: () => {}, incident: (d) => void incidents.push(d) }, undefined, {
      log: out.log,
      logCap: { ...DEFAULT_HOST_LOG_CAP, lines: 1 },
      clock,
    });
    sup.start();
    listener({ type: 'log', level: 'error', message: 'port vanished' });
    listener({ type: 'log', level: 'error', message: 'port vanished again' });
    exit(1);
    expect(incidents[0]).toBe('port vanished');
    expect(incidents[1]).toMatch(/^1 warnings and errors of the device host were dropped/);
    expect(incidents[2]).toMatch(/^Device host exited \(code 1\)/);
    void sup.stop();
  });
});
