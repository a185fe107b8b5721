import {
  insKey,
  PatientIdentitySchema,
  type IdentityStatus,
  type InsKind,
  type PatientIdentity,
  type Sex,
} from '../../shared/patient-identity.ts';

/** The patient card's form as typed: every field a string, checked by PatientIdentitySchema on save. */
export interface PatientDraft {
  birthName: string;
  /** First names at birth, in order, separated by spaces or commas. */
  firstNames: string;
  usedName: string;
  usedFirstName: string;
  /** YYYY-MM-DD (a date input), or DD/MM/YYYY typed by hand. */
  birthDate: string;
  sex: Sex | '';
  birthplace: string;
  /** '' : no INS number. */
  insKind: InsKind | '';
  insValue: string;
  status: IdentityStatus;
}
export type PatientField = keyof PatientDraft;

/** Why a field is refused, in words the card translates (`patient.error.<code>`). */
export type PatientFieldError = 'required' | 'name' | 'date' | 'dateFuture' | 'birthplace' | 'insShape' | 'insKey' | 'insNeeded' | 'invalid';
export type PatientErrors = Partial<Record<PatientField, PatientFieldError>>;

export const emptyDraft = (): PatientDraft => ({
  birthName: '',
  firstNames: '',
  usedName: '',
  usedFirstName: '',
  birthDate: '',
  sex: '',
  birthplace: '',
  insKind: '',
  insValue: '',
  status: 'provisional',
});

/** The form showing a filed identity, to change it. */
export function draftOf(p: PatientIdentity): PatientDraft {
  return {
    birthName: p.birthName,
    firstNames: p.firstNames.join(' '),
    usedName: p.usedName ?? '',
    usedFirstName: p.usedFirstName ?? '',
    birthDate: p.birthDate,
    sex: p.sex,
    birthplace: p.birthplace ?? '',
    insKind: p.ins?.kind ?? '',
    insValue: p.ins?.value ?? '',
    status: p.status,
  };
}

const optional = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
/** "12/03/1992" as typed in France → "1992-03-12"; anything else as it is. */
const isoDate = (s: string): string => {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s.trim());
  return m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : s.trim();
};
/** An INS number as printed (2 92 03 75 116 042 78) or typed in lower case → 15 characters. */
export const insCompact = (s: string): string => s.replace(/[\s.-]/g, '').toUpperCase();

/** Groups an INS number as on the Carte Vitale: 2 92 03 75 116 042 78. */
export function insGrouped(value: string): string {
  const m = /^(.)(..)(..)(..)(...)(...)(..)$/.exec(value);
  return m ? m.slice(1).join(' ') : value;
}

function fieldError(field: PatientField, draft: PatientDraft, candidate: Record<string, unknown>): PatientFieldError {
  switch (field) {
    case 'birthName':
    case 'usedName':
    case 'usedFirstName':
      return 'name';
    case 'firstNames':
      return (candidate.firstNames as string[]).length === 0 ? 'required' : 'name';
    case 'birthDate': {
      const iso = candidate.birthDate as string;
      const d = new Date(`${iso}T00:00:00Z`);
      const real = /^\d{4}-\d{2}-\d{2}$/.test(iso) && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
      return real && d.getTime() > Date.now() ? 'dateFuture' : 'date';
    }
    case 'birthplace':
      return 'birthplace';
    case 'insValue':
      return insKey(insCompact(draft.insValue).slice(0, 13)) === null || insCompact(draft.insValue).length !== 15 ? 'insShape' : 'insKey';
    default:
      return 'invalid';
  }
}

/** The form's field a schema issue is about. */
function fieldOf(path: readonly PropertyKey[]): PatientField {
  const [head, sub] = path;
  if (head === 'ins') return sub === 'kind' ? 'insKind' : 'insValue';
  return (typeof head === 'string' && head in emptyDraft() ? head : 'status') as PatientField;
}

/**
 * The identity the form describes, or why not, field by field (the first reason of each). Required: birth name, first
 * names, date of birth, sex; an INS number needs its kind and its value; a recovered or qualified identity needs one.
 */
export function identityOf(draft: PatientDraft): { ok: true; identity: PatientIdentity } | { ok: false; errors: PatientErrors } {
  const errors: PatientErrors = {};
  const insValue = insCompact(draft.insValue);
  const candidate: Record<string, unknown> = {
    birthName: draft.birthName,
    firstNames: draft.firstNames.split(/[\s,]+/).filter((n) => n !== ''),
    usedName: optional(draft.usedName),
    usedFirstName: optional(draft.usedFirstName),
    birthDate: isoDate(draft.birthDate),
    sex: draft.sex,
    birthplace: optional(draft.birthplace)?.toUpperCase(),
    ins: draft.insKind === '' && insValue === '' ? undefined : { kind: draft.insKind, value: insValue },
    status: draft.status,
  };
  for (const f of ['birthName', 'firstNames', 'birthDate', 'sex'] as const) if (draft[f].trim() === '') errors[f] = 'required';
  if (draft.insKind === '' && insValue !== '') errors.insKind = 'required';
  if (draft.insKind !== '' && insValue === '') errors.insValue = 'required';
  const r = PatientIdentitySchema.safeParse(candidate);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const field = fieldOf(issue.path);
      // A status that needs an INS number: said on the number's field, where it is typed.
      errors[field] ??= issue.path.length === 1 && issue.path[0] === 'ins' ? 'insNeeded' : fieldError(field, draft, candidate);
    }
  }
  if (r.success && Object.keys(errors).length === 0) return { ok: true, identity: r.data };
  return { ok: false, errors };
}
