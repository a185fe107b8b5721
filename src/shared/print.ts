import { z } from 'zod';

/**
 * The patient's copy of the consultation report, as the end screen shows it (src/main/print/report-printer.ts):
 * - off: no printer configured (no button);
 * - none: nothing to print (no doctor saw this visit);
 * - ready: the patient may press « Imprimer mon compte rendu »;
 * - preparing: the cabin is fetching the report (the doctor may still be writing it);
 * - printing: the printer took it (« Votre compte rendu s'imprime… »);
 * - failed: the patient is told to ask the assistant; `reason` is for the assistant and the log.
 */
export const PrintStateSchema = z.enum(['off', 'none', 'ready', 'preparing', 'printing', 'failed']);
export type PrintState = z.infer<typeof PrintStateSchema>;

export const PrintViewSchema = z.object({
  state: PrintStateSchema,
  /** Why it failed, in English, for the assistant and the log (never shown to the patient as is). */
  reason: z.string().max(500).optional(),
});
export type PrintView = z.infer<typeof PrintViewSchema>;
