import { describe, expect, it } from 'vitest';
import { autoSpeaks } from '../../../src/renderer/speech/policy.ts';

describe('autoSpeaks', () => {
  it('is silent only while a doctor is in the call', () => {
    expect(autoSpeaks({ state: 'active' })).toBe(false);
    for (const state of ['off', 'idle', 'connecting', 'waiting', 'ended', 'unavailable'] as const) expect(autoSpeaks({ state }), state).toBe(true);
    expect(autoSpeaks(null)).toBe(true);
  });
});
