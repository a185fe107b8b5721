import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALLS, EVENTS, type BridgeClient } from '../../../src/shared/bridge.ts';
import { FakeEvent, contextBridge, ipcRenderer } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

let cabin: BridgeClient;

beforeAll(async () => {
  await import('../../../src/main/electron/preload.ts');
  cabin = contextBridge.exposed.get('cabin') as BridgeClient;
});
beforeEach(() => ipcRenderer.invoke.mockClear());

describe('preload', () => {
  it('exposes exactly { call, on } as window.cabin, and nothing else', () => {
    expect(contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect([...contextBridge.exposed.keys()]).toEqual(['cabin']);
    expect(Object.keys(cabin).sort()).toEqual(['call', 'on']);
    expect(Object.values(cabin).every((v) => typeof v === 'function')).toBe(true);
    expect(Object.values(cabin)).not.toContain(ipcRenderer);
  });

  it.each(Object.keys(CALLS))('forwards the contract call %s to bridge:<name>', async (name) => {
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: 'v' });
    const input = { any: 'thing' };
    await expect(cabin.call(name as never, input as never)).resolves.toEqual({ ok: true, value: 'v' });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(`bridge:${name}`, input);
  });

  it.each(['session:delete', 'bridge:event', '__proto__', 'constructor', '', 42, null])('refuses the unknown call %s without IPC', async (name) => {
    const result = await cabin.call(name as never, {} as never);
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('turns a failed invoke into an error result, never a rejection', async () => {
    ipcRenderer.invoke.mockRejectedValueOnce(new Error("No handler registered for 'bridge:session:get'"));
    await expect(cabin.call('session:get', {})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('delivers events of the chosen name with the payload only (no IpcRendererEvent)', () => {
    const session = vi.fn();
    const device = vi.fn();
    const off = cabin.on('session', session);
    cabin.on('device', device);
    ipcRenderer.emit('bridge:event', new FakeEvent({ sender: ipcRenderer }), 'session', { phase: 'welcome' });
    expect(session).toHaveBeenCalledTimes(1);
    expect(session.mock.calls[0]).toEqual([{ phase: 'welcome' }]);
    expect(device).not.toHaveBeenCalled();
    off();
    ipcRenderer.emit('bridge:event', new FakeEvent(), 'session', { phase: 'exam' });
    expect(session).toHaveBeenCalledTimes(1);
  });

  it('listens on the event channel once, however many subscribers', () => {
    const offs = Array.from({ length: 20 }, () => cabin.on('waveform', () => undefined));
    expect(ipcRenderer.listenerCount('bridge:event')).toBe(1);
    offs.forEach((off) => off());
  });

  it('keeps delivering when one listener throws', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = vi.fn();
    const offBad = cabin.on('reading', () => {
      throw new Error('boom');
    });
    const offGood = cabin.on('reading', good);
    ipcRenderer.emit('bridge:event', new FakeEvent(), 'reading', { id: 'r1' });
    expect(good).toHaveBeenCalledWith({ id: 'r1' });
    expect(error).toHaveBeenCalled();
    offBad();
    offGood();
    error.mockRestore();
  });

  it.each(Object.keys(EVENTS))('accepts the contract event %s', (name) => {
    const off = cabin.on(name as never, () => undefined);
    expect(off).toBeTypeOf('function');
    off();
  });

  it('refuses unknown events and non-function listeners', () => {
    expect(() => cabin.on('bridge:event' as never, () => undefined)).toThrow(/no event/);
    expect(() => cabin.on('session', 'alert(1)' as never)).toThrow(/function/);
  });
});

describe('preload source', () => {
  it('imports nothing at runtime but electron (sandboxed preloads cannot require project files)', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL('../../../src/main/electron/preload.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)].map((m) => ({ type: Boolean(m[1]), from: m[2] }));
    expect(imports.filter((i) => !i.type).map((i) => i.from)).toEqual(['electron']);
    expect(source).not.toMatch(/\brequire\(|import\(/);
  });
});
