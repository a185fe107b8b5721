import { insKey, PatientIdentitySchema, type IdentityStatus, type PatientIdentity, type Sex } from '../../shared/patient-identity.ts';

/**
 * The assistant's identity form as typed on the kiosk (every field a string; the date in three boxes for a touch
 * keyboard), checked by PatientIdentitySchema on save, the reason of each refused field in words (`identity.error.*`).
 */
export interface IdentityDraft {
  birthName: string;
  /** First names at birth, in order, separated by spaces or commas. */
  firstNames: string;
  usedName: string;
  usedFirstName: string;
  day: string;
  month: string;
  year: string;
  sex: Sex | '';
  birthplace: string;
  /** '': no INS number. */
  insKind: 'nir' | 'nia' | '';
  insValue: string;
  status: IdentityStatus;
}
export type IdentityField = keyof IdentityDraft;

/** Why a field is refused (`identity.error.<code>`). */
export type IdentityError = 'required' | 'name' | 'date' | 'dateFuture' | 'birthplace' | 'insShape' | 'insKey' | 'insNeeded' | 'insKind';
export type IdentityErrors = Partial<Record<IdentityField, IdentityError>>;

export const emptyIdentityDraft = (): IdentityDraft => ({
  birthName: '',
  firstNames: '',
  usedName: '',
  usedFirstName: '',
  day: '',
  month: '',
  year: '',
  sex: '',
  birthplace: '',
  insKind: '',
  insValue: '',
  status: 'provisional',
});

/** The form showing a filed identity, to change it. */
export function identityDraftOf(p: PatientIdentity): IdentityDraft {
  const [year = '', month = '', day = ''] = p.birthDate.split('-');
  return {
    birthName: p.birthName,
    firstNames: p.firstNames.join(' '),
    usedName: p.usedName ?? '',
    usedFirstName: p.usedFirstName ?? '',
    day,
    month,
    year,
    sex: p.sex,
    birthplace: p.birthplace ?? '',
    // The kiosk files NIR or NIA numbers only (test numbers come from the doctor's console).
    insKind: p.ins ? (p.ins.kind === 'nia' ? 'nia' : 'nir') : '',
    insValue: p.ins?.value ?? '',
    status: p.status,
  };
}

/** An INS number as printed (2 92 03 75 116 042 78) or typed in lower case → its 15 characters. */
export const insCompact = (s: string): string => s.replace(/[\s.-]/g, '').toUpperCase();
const optional = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
const two = (s: string): string => s.trim().padStart(2, '0');

/** The identity the form describes, or why not, field by field. */
export function identityFromDraft(draft: IdentityDraft): { ok: true; identity: PatientIdentity } | { ok: false; errors: IdentityErrors } {
  const errors: IdentityErrors = {};
  const insValue = insCompact(draft.insValue);
  const birthDate = `${draft.year.trim()}-${two(draft.month)}-${two(draft.day)}`;
  const candidate: Record<string, unknown> = {
    birthName: draft.birthName,
    firstNames: draft.firstNames.split(/[\s,]+/).filter((n) => n !== ''),
    usedName: optional(draft.usedName),
    usedFirstName: optional(draft.usedFirstName),
    birthDate,
    sex: draft.sex,
    birthplace: optional(draft.birthplace)?.toUpperCase(),
    ins: draft.insKind === '' && insValue === '' ? undefined : { kind: draft.insKind, value: insValue },
    status: draft.status,
  };
  for (const f of ['birthName', 'firstNames', 'sex'] as const) if (draft[f].trim() === '') errors[f] = 'required';
  if (draft.day.trim() === '' || draft.month.trim() === '' || draft.year.trim() === '') errors.year = 'required';
  if (draft.insKind === '' && insValue !== '') errors.insKind = 'insKind';
  if (draft.insKind !== '' && insValue === '') errors.insValue = 'required';
  const r = PatientIdentitySchema.safeParse(candidate);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const [head, sub] = issue.path;
      if (head === 'ins' && issue.path.length === 1) errors.insValue ??= 'insNeeded';
      else if (head === 'ins' && sub === 'kind') errors.insKind ??= 'insKind';
      else if (head === 'ins') errors.insValue ??= insKey(insValue.slice(0, 13)) === null || insValue.length !== 15 ? 'insShape' : 'insKey';
      else if (head === 'birthDate') errors.year ??= dateError(birthDate);
      else if (head === 'birthplace') errors.birthplace ??= 'birthplace';
      else if (head === 'birthName' || head === 'usedName' || head === 'usedFirstName' || head === 'firstNames') errors[head] ??= 'name';
      else if (head === 'sex') errors.sex ??= 'required';
    }
  }
  if (r.success && Object.keys(errors).length === 0) return { ok: true, identity: r.data };
  return { ok: false, errors };
}

function dateError(iso: string): IdentityError {
  const d = new Date(`${iso}T00:00:00Z`);
  const real = /^\d{4}-\d{2}-\d{2}$/.test(iso) && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
  return real && d.getTime() > Date.now() ? 'dateFuture' : 'date';
}
