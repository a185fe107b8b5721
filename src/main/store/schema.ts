import { z } from 'zod';
import { LanguageSchema } from '../../shared/language.ts';
import { ObservationFields, ObservationSchema, StoredObservationFields, valueOrAbsent } from '../../shared/observation.ts';
import { StoreError } from './errors.ts';

/** The store's inputs, validated where they enter (types come from these schemas). */

// 'declined' is what the session service uses when consent is refused; 'assistant' when the assistant ends a visit.
export const EndReasonSchema = z.enum(['completed', 'idle', 'assistant', 'declined', 'crash-recovery']);
export type EndReason = z.infer<typeof EndReasonSchema>;

export const ActorSchema = z.enum(['patient', 'assistant', 'system', 'doctor']);
export type Actor = z.infer<typeof ActorSchema>;

export const AuditActionSchema = z.enum([
  'session-start',
  'session-end',
  'consent',
  'assistant-unlock',
  'assistant-unlock-failed',
  'assistant-lock',
  'cleaning-done',
  'incident',
  /** The live consultation: asked for, taken by a doctor, ended or cancelled (reason). */
  'consultation',
  /** The patient pressed "call the assistant"; the assistant answered it. */
  'help-request',
  'help-answered',
]);
export type AuditAction = z.infer<typeof AuditActionSchema>;

const short = z.string().max(200);
/** Free text written by the software (an incident, an error): cut, not refused, so a long message is still logged. */
const text = z.string().transform((s) => (s.length > 1000 ? `${s.slice(0, 999)}…` : s));

/**
 * The audit log outlives every purge, so its detail is an allow-list of fields that carry no patient data
 * (no readings, names or free text from the patient): an unknown field is refused, not stored.
 */
export const AuditDetailSchema = z.strictObject({
  reason: short.optional(),
  accepted: z.boolean().optional(),
  items: z.array(short).max(50).optional(),
  /** A technical incident, in the software's own words. */
  detail: text.optional(),
  deviceId: short.optional(),
  error: text.optional(),
  count: z.number().int().optional(),
});
export type AuditDetail = z.infer<typeof AuditDetailSchema>;

export const AuditEntrySchema = z.object({
  actor: ActorSchema,
  action: AuditActionSchema,
  detail: AuditDetailSchema.optional(),
  sessionId: z.string().min(1).optional(),
});
export type AuditEntry = z.input<typeof AuditEntrySchema>;

export const ObservationInputSchema = ObservationSchema;
export type ObservationInput = z.input<typeof ObservationInputSchema>;
/** A stored observation as read back (leniently: stored data never vanishes) and when the cabin received it. */
export const ObservationRecordSchema = valueOrAbsent(StoredObservationFields.extend({ receivedAt: z.number().finite() }));
export type ObservationRecord = z.infer<typeof ObservationRecordSchema>;

export const WaveformInputSchema = ObservationFields.pick({ sessionId: true, deviceId: true, code: true, t: true }).extend({
  rate: z.number().positive(),
  samples: z.array(z.number().finite()).min(1),
});
export type WaveformInput = z.input<typeof WaveformInputSchema>;

export const MediaKindSchema = z.enum(['otoscope-snapshot']);
export type MediaKind = z.infer<typeof MediaKindSchema>;

export const MediaInputSchema = z.object({
  sessionId: z.string().min(1),
  kind: MediaKindSchema,
  mime: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/, 'a MIME type such as image/jpeg'),
  bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength > 0, 'not empty'),
  /** Also queue it in the outbox (in the same transaction) for delivery to the doctor. */
  deliver: z.boolean().optional(),
});
export type MediaInput = z.input<typeof MediaInputSchema>;

/** 'device': who a device that gave a visit a reading is (issue 13), for its consultation's report (ref `session|device`). */
export const OutboxKindSchema = z.enum(['observation', 'session-report', 'media', 'device']);
export type OutboxKind = z.infer<typeof OutboxKindSchema>;

export { LanguageSchema };

/** Parses `value`, or throws a StoreError naming the first problem (a programming error, not a user's). */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new StoreError('invalid-input', `The cabin refused to store ${what}: ${issue?.message ?? 'invalid'}${where}.`);
}
