import { z } from 'zod';

/**
 * The patient's copy of the consultation report, as the end screen shows it (src/main/print/report-printer.ts):
 * - off: no printer configured (no button);
 * - none: nothing to print (no doctor saw this visit);
 * - ready: the patient may press « Imprimer mon compte rendu »;
 * - preparing: the cabin is fetching the report (the doctor may still be writing it);
 * - printing: CUPS took the job and the cabin follows it (« Votre compte rendu s'imprime… »); with `problem`, the
 *   printer cannot go on until the assistant acts (no paper, jammed…): the job waits for it. Also the last word when
 *   the cabin cannot follow the job to its end: lp gave no job id, or CUPS let the job go without keeping how it ended
 *   (no job history): it was sent, and is not said failed;
 * - printed: CUPS says the job is completed (« Votre compte rendu est imprimé »);
 * - still-printing: the job was not completed when the cabin stopped following it (about 2 minutes, or the patient
 *   left the end screen) although the printer reported no trouble: it may still come out;
 * - failed: the patient is told to ask the assistant; `problem` says the printer's trouble when it had one, and
 *   `cancelled` that the cabin cancelled the job so that it does not come out later for the next patient.
 * `reason` is for the assistant and the log, in English (never shown to the patient as is).
 */
export const PrintStateSchema = z.enum(['off', 'none', 'ready', 'preparing', 'printing', 'printed', 'still-printing', 'failed']);
export type PrintState = z.infer<typeof PrintStateSchema>;

/**
 * What keeps the printer from printing, in words the assistant can act on (from CUPS's printer-state-reasons and the
 * queue's state, src/main/print/lpstat.ts): paper (media-empty, media-needed), jam (media-jam), offline (offline,
 * timed-out, not connected), stopped (the queue disabled, or another error such as an open cover or no toner).
 */
export const PrintProblemSchema = z.enum(['paper', 'jam', 'offline', 'stopped']);
export type PrintProblem = z.infer<typeof PrintProblemSchema>;

export const PrintViewSchema = z.object({
  state: PrintStateSchema,
  /** Why it failed, in English, for the assistant and the log (never shown to the patient as is). */
  reason: z.string().max(500).optional(),
  /** printing or failed: the printer's trouble, when it reported one. */
  problem: PrintProblemSchema.optional(),
  /** failed: the cabin cancelled the job (it will not print later). */
  cancelled: z.boolean().optional(),
});
export type PrintView = z.infer<typeof PrintViewSchema>;
