import { describe, expect, it, vi } from 'vitest';
import { createPreloadClient, type PreloadApi } from '../../src/renderer/bridge/preload-client.ts';

describe('preload bridge client', () => {
  it('checks results and events against the contract, and turns a throw into an error result', async () => {
    let deliver: (p: unknown) => void = () => {};
    const api: PreloadApi = {
      call: vi.fn(async (name: string) => {
        if (name === 'devices:list') return { ok: true, value: [] };
        if (name === 'config:get') throw new Error('IPC gone');
        return { ok: true, value: { bogus: true } };
      }),
      on: vi.fn((_event: string, listener: (p: unknown) => void) => {
        deliver = listener;
        return () => {};
      }),
    };
    const client = createPreloadClient(api);
    expect(await client.call('devices:list', {})).toEqual({ ok: true, value: [] });
    expect(await client.call('config:get', {})).toEqual({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('IPC gone') } });
    expect((await client.call('session:get', {})).ok).toBe(false);

    const got: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    client.on('waveform', (w) => got.push(w.samples));
    deliver({ deviceId: 'ox', code: 'MDC_PULS_OXIM_PLETH', rate: 60, samples: [1, 2], t: 0 });
    deliver({ deviceId: 'ox' });
    expect(got).toEqual([[1, 2]]);
    expect(api.on).toHaveBeenCalledWith('waveform', expect.any(Function));
    warn.mockRestore();
  });
});
