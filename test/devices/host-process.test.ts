import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { HostMessageSchema, type HostMessage } from '../../src/shared/device-host.ts';

/** The device host in a child process, as cabin main will supervise it: plain validated messages. */

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function startHost(config: unknown, raw = false): { child: ChildProcess; messages: HostMessage[] } {
  // As fork-host.ts starts it: through bin/run-ts.mjs (a cached bundle of the host), no flags of this process.
  const child = fork('bin/run-ts.mjs', ['src/devices/host-process.ts'], {
    execArgv: [],
    env: { ...process.env, CABIN_DEVICES_CONFIG: raw ? String(config) : JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  const messages: HostMessage[] = [];
  child.on('message', (m) => messages.push(HostMessageSchema.parse(m)));
  return { child, messages };
}

const until = async (cond: () => boolean, ms = 10000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('device host process', () => {
  it('streams simulated devices as host messages and answers commands', async () => {
    const { child, messages } = startHost({ simulate: [{ driver: 'contec-cms50-v7' }, { driver: 'omron-hem790it' }] });
    await until(() => messages.some((m) => m.type === 'event' && m.event.kind === 'observation' && m.event.code === 'MDC_PULS_OXIM_SAT_O2'));
    const bp = messages.find((m) => m.type === 'attached' && m.device.driver === 'omron-hem790it');
    expect(bp).toBeDefined();
    await until(() => messages.some((m) => m.type === 'link' && m.deviceId === 'omron-hem790it@sim:omron-hem790it' && m.state === 'connected'));
    child.send({ type: 'command', requestId: 'r1', deviceId: 'omron-hem790it@sim:omron-hem790it', name: 'measure' });
    child.send({ type: 'command', requestId: 'r2', deviceId: 'nope', name: 'measure' });
    child.send({ type: 'bogus' });
    await until(() => messages.filter((m) => m.type === 'command-result').length === 2);
    expect(messages.find((m) => m.type === 'command-result' && m.requestId === 'r1')).toMatchObject({ ok: true });
    expect(messages.find((m) => m.type === 'command-result' && m.requestId === 'r2')).toMatchObject({ ok: false });
    expect(messages.some((m) => m.type === 'log' && m.message.includes('malformed'))).toBe(true);
    child.send({ type: 'shutdown' });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });

  it.each([
    [{ pollMs: 'often' }, 'pollMs'],
    [{ simulate: [{ driver: 'nope' }] }, "unknown driver 'nope'"],
    [{ port: [] }, 'Unrecognized key'],
    ['{ not json', 'JSON'],
  ])('refuses an invalid config %j with a clear message', async (config, why) => {
    const { child, messages } = startHost(config, typeof config === 'string');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(messages[0]).toMatchObject({ type: 'log', level: 'error', message: expect.stringContaining('Invalid devices config') });
    expect((messages[0] as { message: string }).message).toContain(why);
  });
});
