import { z } from 'zod';
import { ConsultationReportSchema } from '../../shared/hub-protocol.ts';
import { LanguageSchema } from '../../shared/language.ts';
import { PatientIdentitySchema } from '../../shared/patient-identity.ts';

/** What the report document is made from: the consultation's report, the patient (from the hub's record), the patient's language. */
export const SnapshotSchema = z.object({
  mime: z.enum(['image/jpeg', 'image/png']),
  bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'image bytes (a Uint8Array)'),
  /** When it was taken (ms since the epoch). */
  t: z.number().finite(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const ReportPdfInputSchema = z.object({
  report: ConsultationReportSchema,
  patient: PatientIdentitySchema.nullable(),
  language: LanguageSchema,
  /** SHA-256 (hex) of the FHIR Bundle this document matches. */
  bundleHash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 as 64 hexadecimal characters')
    .optional(),
  /** When the document is made (ms since the epoch): its creation date, so the same input gives the same bytes. */
  generatedAt: z.number().finite().min(0).max(8.64e15),
  snapshots: z.array(SnapshotSchema).max(100).optional(),
});
export type ReportPdfInput = z.input<typeof ReportPdfInputSchema>;
export type ParsedReportPdfInput = z.output<typeof ReportPdfInputSchema>;

/** The input checked, or an error that says which field is wrong. */
export function parseReportPdfInput(input: unknown): ParsedReportPdfInput {
  const r = ReportPdfInputSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'input';
  throw new Error(`The report PDF cannot be made: ${where}: ${issue?.message ?? 'invalid'}. Check the consultation's record.`);
}
