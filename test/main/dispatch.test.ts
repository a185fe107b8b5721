import { describe, expect, it } from 'vitest';
import { BridgeFailure, checkEvent, dispatch, type BridgeHandlers } from '../../src/main/bridge/dispatch.ts';
import { CALLS, type SessionView } from '../../src/shared/bridge.ts';

const view: SessionView = { phase: 'welcome', sessionId: null, language: 'fr', startedAt: null, assistant: false, idleWarning: null, readings: [] };

function handlers(over: Partial<BridgeHandlers> = {}): BridgeHandlers {
  const base = Object.fromEntries(Object.keys(CALLS).map((k) => [k, () => view])) as unknown as BridgeHandlers;
  return { ...base, ...over };
}

describe('bridge dispatch', () => {
  it('runs a valid call and returns its value', async () => {
    expect(await dispatch(handlers(), 'session:get', {})).toEqual({ ok: true, value: view });
  });

  it('refuses unknown calls, prototype keys and malformed inputs with clear errors, never a throw', async () => {
    expect(await dispatch(handlers(), 'session:explode', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers(), 'constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers(), 42, {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers(), 'session:start', { language: 'de' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringContaining('language') },
    });
    expect(await dispatch(handlers(), 'assistant:unlock', { pin: '12a4' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await dispatch(handlers(), 'session:get', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('passes a refusal through and wraps an unexpected failure', async () => {
    const h = handlers({
      'assistant:unlock': () => {
        throw new BridgeFailure('wrong-pin', 'Wrong PIN.');
      },
      'session:end': () => {
        throw new Error('disk on fire');
      },
    });
    expect(await dispatch(h, 'assistant:unlock', { pin: '0000' })).toEqual({ ok: false, error: { code: 'wrong-pin', message: 'Wrong PIN.' } });
    expect(await dispatch(h, 'session:end', {})).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringContaining('disk on fire') } });
  });

  it('checks events against the contract', () => {
    expect(checkEvent('session', view)).toBe(true);
    expect(checkEvent('reading', { id: 'x' } as never)).toBe(false);
  });
});
