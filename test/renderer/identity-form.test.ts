import { describe, expect, it } from 'vitest';
import { emptyIdentityDraft, identityDraftOf, identityFromDraft, type IdentityDraft } from '../../src/renderer/assistant/identity-form.ts';
import { CHLOE } from '../helpers/patients.ts';

/** The assistant's identity form (issue 13): a draft typed on the kiosk, checked by the shared schema, field by field. */

const typed = (d: Partial<IdentityDraft>): IdentityDraft => ({
  ...emptyIdentityDraft(),
  birthName: 'Martin',
  firstNames: 'Chloé  Marie',
  day: '12',
  month: '3',
  year: '1992',
  sex: 'female',
  ...d,
});

describe('the identity form', () => {
  it('turns what was typed into the identity: first names split, the date from three boxes, the INS number as printed', () => {
    const r = identityFromDraft(typed({ birthplace: '75056', insKind: 'nir', insValue: '2 92 03 75 116 042 78', status: 'qualified' }));
    expect(r).toEqual({ ok: true, identity: CHLOE });
    // And back: the form of a filed identity gives the same identity.
    expect(identityFromDraft(identityDraftOf(CHLOE))).toEqual({ ok: true, identity: CHLOE });
  });

  it('says why each field is refused', () => {
    expect(identityFromDraft(emptyIdentityDraft())).toEqual({ ok: false, errors: { birthName: 'required', firstNames: 'required', sex: 'required', year: 'required' } });
    const bad = identityFromDraft(typed({ birthName: 'Mart1n', day: '31', month: '02', birthplace: '7505', insKind: 'nir', insValue: '292037511604279' }));
    expect(bad).toEqual({ ok: false, errors: { birthName: 'name', year: 'date', birthplace: 'birthplace', insValue: 'insKey' } });
    expect(identityFromDraft(typed({ year: '2999' }))).toMatchObject({ ok: false, errors: { year: 'dateFuture' } });
    expect(identityFromDraft(typed({ insKind: 'nia', insValue: '12345' }))).toMatchObject({ ok: false, errors: { insValue: 'insShape' } });
    expect(identityFromDraft(typed({ insValue: '292037511604278' }))).toMatchObject({ ok: false, errors: { insKind: 'insKind' } });
    // Recovered or qualified: INSi gave a number, so one is needed.
    expect(identityFromDraft(typed({ status: 'recovered' }))).toEqual({ ok: false, errors: { insValue: 'insNeeded' } });
    expect(identityFromDraft(typed({ status: 'validated' })).ok).toBe(true);
  });
});
