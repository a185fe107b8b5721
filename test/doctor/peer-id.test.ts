import { describe, expect, it } from 'vitest';
import { newPcId, newRequestId, peerChange } from '../../src/doctor/call/peer-id.ts';

describe('peer connection ids', () => {
  it('adopts the first pc, keeps the same one, starts over on a new one (the cabin reloaded)', () => {
    expect(peerChange(undefined, 'c1')).toBe('adopt');
    expect(peerChange('c1', 'c1')).toBe('same');
    expect(peerChange('c1', 'c2')).toBe('restart');
  });

  it('makes distinct ids within the protocol limits', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newPcId()));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id.length).toBeGreaterThan(0);
      expect(id.length).toBeLessThanOrEqual(64);
    }
    expect(newRequestId('snap').length).toBeLessThanOrEqual(64);
    expect(newRequestId('cmd')).toMatch(/^cmd-/);
  });
});
