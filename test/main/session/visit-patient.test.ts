import { describe, expect, it } from 'vitest';
import { VisitPatient } from '../../../src/main/session/visit-patient.ts';
import { CHLOE } from '../../helpers/patients.ts';

describe('VisitPatient', () => {
  it('holds the identity for its visit only, and lets it go when the session is another visit or none', () => {
    const v = new VisitPatient();
    v.set('visit-1', CHLOE);
    expect(v.get('visit-1')).toEqual(CHLOE);
    expect(v.get('visit-2')).toBeNull();
    expect(v.get(null)).toBeNull();
    expect(v.onSession('visit-1')).toBeNull();
    expect(v.holding).toBe(true);
    expect(v.onSession(null)).toBe('visit-1');
    expect(v.holding).toBe(false);
    expect(v.get('visit-1')).toBeNull();
    v.set('visit-3', CHLOE);
    expect(v.onSession('visit-4')).toBe('visit-3');
    expect(v.get('visit-3')).toBeNull();
  });
});
