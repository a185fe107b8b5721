import { z } from 'zod';

/**
 * Who the patient of a consultation is, as the doctor (or the assistant, at the start of the visit) records it: the
 * five strict traits of the INS (birth name, first names at birth, date of birth, sex, INSEE birthplace code), the
 * INS number when known, and how far the identity can be trusted (the national identity-vigilance framework, RNIV).
 * Kept on the hub with the consultation; on the kiosk only in memory during the visit.
 */

/**
 * The identity's status (RNIV): `provisional` (declared, nothing checked), `recovered` (retrieved from the INSi
 * teleservice, no identity document seen), `validated` (checked against a high-trust identity document, INSi not
 * called), `qualified` (both: the only status under which the INS may be shared, e.g. sent to the DMP).
 */
export const IDENTITY_STATUSES = ['provisional', 'recovered', 'validated', 'qualified'] as const;
export const IdentityStatusSchema = z.enum(IDENTITY_STATUSES);
export type IdentityStatus = z.infer<typeof IdentityStatusSchema>;

/** The INS number's kind: NIR (social-security number) or NIA (waiting number); `nir-test` for test identities. */
export const INS_KINDS = ['nir', 'nia', 'nir-test'] as const;
export const InsKindSchema = z.enum(INS_KINDS);
export type InsKind = z.infer<typeof InsKindSchema>;

/** The OID (FHIR `Patient.identifier.system`, `urn:oid:` form) of each kind of INS number. */
export const INS_SYSTEMS: Record<InsKind, string> = {
  nir: 'urn:oid:1.2.250.1.213.1.4.8',
  nia: 'urn:oid:1.2.250.1.213.1.4.9',
  'nir-test': 'urn:oid:1.2.250.1.213.1.4.10',
};

/** Administrative sex as the INS carries it. */
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const SexSchema = z.enum(SEXES);
export type Sex = z.infer<typeof SexSchema>;

/**
 * A name as written on the identity document: letters of any script (with their accents, NFC), single spaces, hyphens
 * or apostrophes (' or ’) between letters: "D’Artagnan", "Le Goff-Ménard", "محمد".
 */
const Name = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1)
  .max(100)
  .regex(/^\p{L}\p{M}*(?:[ '’-]?\p{L}\p{M}*)*$/u, 'letters, with single spaces, hyphens or apostrophes between them');

/** A calendar date (YYYY-MM-DD) that exists and is not in the future. */
const BirthDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date as YYYY-MM-DD', abort: true })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && d.getTime() <= Date.now() && d.getUTCFullYear() >= 1880;
  }, 'a real date of birth');

/** An INSEE place code: 5 characters (Corsica 2A/2B; 99xxx for a birth abroad). */
const InseeCode = z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'an INSEE code of 5 characters');

/**
 * The key of an INS number's first 13 characters: 97 − (the number mod 97), Corsica's 2A and 2B counting as 19 and 18
 * (the same as 20 less 1 000 000 or 2 000 000). Sex digit 1–4 or 7–8 (7 and 8: provisional numbers); a NIA has the
 * same shape. Null when the 13 characters do not have that shape.
 */
export function insKey(body: string): number | null {
  if (!/^[1-478]\d{4}(?:\d{2}|2A|2B)\d{6}$/.test(body)) return null;
  const digits = body.replace('2A', '19').replace('2B', '18');
  return 97 - Number(BigInt(digits) % 97n);
}

/** An INS number of 15 characters (13 and the 2-digit key) whose key matches. */
export function insKeyOk(value: string): boolean {
  const m = /^(.{13})(\d{2})$/.exec(value);
  return m !== null && insKey(m[1]!) === Number(m[2]);
}

export const InsNumberSchema = z.object({
  kind: InsKindSchema,
  value: z.string().refine(insKeyOk, 'an INS number of 15 characters whose key matches'),
});
export type InsNumber = z.infer<typeof InsNumberSchema>;

/** Statuses that come from the INSi teleservice, hence with the INS number it returned. */
const STATUSES_WITH_INS: readonly IdentityStatus[] = ['recovered', 'qualified'];

export const PatientIdentitySchema = z
  .object({
    birthName: Name,
    /** First names at birth, in order, as on the document (the first one is the used first name unless `usedFirstName`). */
    firstNames: z.array(Name).min(1).max(10),
    usedFirstName: Name.optional(),
    usedName: Name.optional(),
    birthDate: BirthDate,
    sex: SexSchema,
    /** INSEE code of the birthplace; absent when unknown. */
    birthplace: InseeCode.optional(),
    ins: InsNumberSchema.optional(),
    status: IdentityStatusSchema,
  })
  .superRefine((p, ctx) => {
    if (STATUSES_WITH_INS.includes(p.status) && p.ins === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ins'], message: `a ${p.status} identity comes from INSi, with its INS number` });
    }
  });
export type PatientIdentity = z.infer<typeof PatientIdentitySchema>;

/**
 * The hub's answer to `GET` and `PUT /api/consultations/:id/patient` (bearer token of the consultation's doctor; PUT
 * takes a PatientIdentity, in any state of the consultation): the filed identity (null: not identified) and when it
 * was last changed; for a PUT, whether it changed anything.
 */
export const PatientAnswerSchema = z.object({
  patient: PatientIdentitySchema.nullable(),
  updatedAt: z.number().nullable(),
  changed: z.boolean().optional(),
});
export type PatientAnswer = z.infer<typeof PatientAnswerSchema>;
