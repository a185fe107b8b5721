import { describe, expect, it } from 'vitest';
import { endWords } from '../../src/renderer/state/end-words.ts';

describe('what the end screen says of the doctor', () => {
  it('« le médecin a reçu vos mesures » only when a doctor took this visit’s call', () => {
    expect(endWords(true, true)).toEqual({ sent: 'end.sent', next: 'end.afterCall' });
  });

  it('a visit no doctor took (ended while still waiting) says so, and never promises the doctor the measurements', () => {
    expect(endWords(false, true)).toEqual({ sent: 'end.notSent', next: 'end.afterVisit' });
  });

  it('a cabin without a hub speaks of no doctor at all', () => {
    expect(endWords(false, false)).toEqual({ sent: null, next: 'end.afterVisit' });
  });
});
