import { describe, expect, it } from 'vitest';
import { INS_SYSTEMS, insKey, insKeyOk, PatientIdentitySchema, type PatientIdentity } from '../../src/shared/patient-identity.ts';

/**
 * INS numbers whose keys were computed by hand by the rule (97 − the 13 digits mod 97, 2A → 19, 2B → 18) and checked
 * against the 2A/2B → 20 − 1 000 000 / 2 000 000 form; 2 55 08 14 168 025 38 is the example INSEE and Wikipedia print.
 */
const NIRS = {
  published: '255081416802538',
  man: '185057800608491',
  woman: '292037511604278',
  abroad: '190099935001256',
  corsicaA: '165072A00401215',
  corsicaB: '287102B03300737',
  provisional: '745129912345633',
  provisionalWoman: '803107505632149',
} as const;

const PATIENT: PatientIdentity = {
  birthName: 'Martin',
  firstNames: ['Chloé', 'Marie'],
  birthDate: '1985-05-12',
  sex: 'female',
  birthplace: '75056',
  ins: { kind: 'nir', value: NIRS.woman },
  status: 'qualified',
};

const issues = (v: unknown) => {
  const r = PatientIdentitySchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('INS number key', () => {
  it('accepts numbers whose key matches, Corsica included', () => {
    for (const [what, nir] of Object.entries(NIRS)) expect(insKeyOk(nir), what).toBe(true);
    expect(insKey('2550814168025')).toBe(38);
    expect(insKey('165072A004012')).toBe(15);
    expect(insKey('287102B033007')).toBe(37);
  });

  it('refuses a wrong key, a swapped digit, and a Corsican key computed as if 2A were 20', () => {
    expect(insKeyOk('255081416802539')).toBe(false);
    expect(insKeyOk('255081416802583')).toBe(false);
    expect(insKeyOk('255081461802538')).toBe(false); // two digits swapped: the key catches it
    // 1650720004012 has key 85 (computed by the rule): that key on the 2A number is wrong.
    expect(insKey('1650720004012')).toBe(85);
    expect(insKeyOk('165072A00401285')).toBe(false);
    expect(insKeyOk('287102B03300738')).toBe(false);
  });

  it('refuses what is not shaped as an INS number', () => {
    for (const bad of [
      '', '25508141680253', '2550814168025380', '2 55 08 14 168 025 38', '555081416802538' /* sex 5 */,
      '065072A00401215', '16507AA00401215', '165072a00401215', '1650702A0401215' /* letters outside the department */, 'abcdefghijklmno',
    ]) {
      expect(insKeyOk(bad), bad).toBe(false);
    }
    expect(insKey('165072C004012')).toBeNull();
  });

  it('names NIR, NIA and test NIR by their OIDs', () => {
    expect(INS_SYSTEMS).toEqual({ nir: 'urn:oid:1.2.250.1.213.1.4.8', nia: 'urn:oid:1.2.250.1.213.1.4.9', 'nir-test': 'urn:oid:1.2.250.1.213.1.4.10' });
  });
});

describe('patient identity', () => {
  it('takes a full qualified identity, a NIA, and a provisional one without INS number nor birthplace', () => {
    expect(PatientIdentitySchema.parse(PATIENT)).toEqual(PATIENT);
    expect(issues({ ...PATIENT, ins: { kind: 'nia', value: NIRS.provisional } })).toEqual([]);
    expect(issues({ ...PATIENT, birthplace: '2A004', ins: { kind: 'nir', value: NIRS.corsicaA } })).toEqual([]);
    expect(issues({ birthName: 'Martin', firstNames: ['Chloé'], birthDate: '1985-05-12', sex: 'female', status: 'provisional' })).toEqual([]);
    expect(issues({ birthName: 'Martin', firstNames: ['Chloé'], birthDate: '1985-05-12', sex: 'unknown', status: 'validated' })).toEqual([]);
  });

  it('a recovered or qualified identity comes from INSi: it carries its INS number', () => {
    const { ins: _, ...withoutIns } = PATIENT;
    expect(issues(withoutIns)).toEqual(['ins']);
    expect(issues({ ...withoutIns, status: 'recovered' })).toEqual(['ins']);
    expect(issues({ ...PATIENT, ins: { kind: 'nir', value: '292037511604279' } })).toEqual(['ins.value']);
    expect(issues({ ...PATIENT, ins: { kind: 'ssn', value: NIRS.woman } })).toEqual(['ins.kind']);
    expect(issues({ ...PATIENT, status: 'certain' })).toEqual(['status']);
  });

  it('names with accents, apostrophes, hyphens, spaces and Arabic letters; kept as written, trimmed, NFC', () => {
    const named = (birthName: string, firstNames: string[]) => PatientIdentitySchema.safeParse({ ...PATIENT, birthName, firstNames });
    for (const [n, f] of [
      ['D’Artagnan', ['Éloïse']],
      ["O'Connor", ['Seán']],
      ['Le Goff-Ménard', ['Jean-Baptiste', 'Gaël']],
      ['بن علي', ['محمد', 'فاطمة']],
      ['Nguyễn', ['Thị Lan']],
    ] as const) {
      const r = named(n, [...f]);
      expect(r.success, n).toBe(true);
      expect(r.data?.birthName).toBe(n);
    }
    expect(named('  Martin ', ['Chloé']).data?.birthName).toBe('Martin');
    // "é" typed as e + combining acute is stored composed, so that the same name compares equal.
    expect(named('Me\u0301nard', ['Chloé']).data?.birthName).toBe('Ménard');
    for (const bad of ['', ' ', 'Martin2', 'M@rtin', '-Martin', 'Martin-', "Martin''", 'Le  Goff', "'Connor", 'x'.repeat(101)]) {
      expect(named(bad, ['Chloé']).success, JSON.stringify(bad)).toBe(false);
    }
    expect(issues({ ...PATIENT, firstNames: [] })).toEqual(['firstNames']);
    expect(issues({ ...PATIENT, firstNames: ['Chloé', '3'] })).toEqual(['firstNames.1']);
  });

  it('refuses impossible, badly written and future birth dates', () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const bad of ['2023-02-29', '1985-13-01', '1985-04-31', '1985-00-10', '12/05/1985', '1985-5-12', '1879-12-31', tomorrow, '']) {
      expect(issues({ ...PATIENT, birthDate: bad }), bad).toEqual(['birthDate']);
    }
    for (const good of ['2024-02-29', '1900-01-01', new Date().toISOString().slice(0, 10)]) expect(issues({ ...PATIENT, birthDate: good }), good).toEqual([]);
  });

  it('birthplace: five digits, or Corsica 2A/2B and three digits', () => {
    for (const good of ['75056', '2A004', '2B033', '99134', '97411']) expect(issues({ ...PATIENT, birthplace: good }), good).toEqual([]);
    for (const bad of ['7505', '750560', '2C004', '2a004', 'Paris']) expect(issues({ ...PATIENT, birthplace: bad }), bad).toEqual(['birthplace']);
  });
});
