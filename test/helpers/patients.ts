import type { PatientIdentity } from '../../src/shared/patient-identity.ts';

/** A qualified identity with every trait (INS NIR with a right key, a Paris birthplace): the tests' filed patient. */
export const CHLOE: PatientIdentity = {
  birthName: 'Martin',
  firstNames: ['Chloé', 'Marie'],
  birthDate: '1992-03-12',
  sex: 'female',
  birthplace: '75056',
  ins: { kind: 'nir', value: '292037511604278' },
  status: 'qualified',
};
