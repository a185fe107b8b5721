import { z } from 'zod';
import { IdentityStatusSchema } from './patient-identity.ts';

/**
 * A doctor's ended consultation as their console lists it (`GET /api/consultations`): when, which cabin, who (the
 * filed identity's names and status, or null: not identified), and where its FHIR push stands (null: no FHIR server
 * configured, or not queued yet).
 */
export const PastConsultationSchema = z.object({
  consultationId: z.string(),
  cabin: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.number(),
  claimedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  patient: z.object({ birthName: z.string(), firstNames: z.array(z.string()), status: IdentityStatusSchema }).nullable(),
  fhirPush: z.enum(['pending', 'done', 'failed']).nullable(),
});
export type PastConsultation = z.infer<typeof PastConsultationSchema>;

export const PastConsultationsAnswerSchema = z.object({ consultations: z.array(PastConsultationSchema) });
export type PastConsultationsAnswer = z.infer<typeof PastConsultationsAnswerSchema>;

/** How many of a doctor's consultations the list shows (newest first). */
export const PAST_CONSULTATIONS_MAX = 100;
