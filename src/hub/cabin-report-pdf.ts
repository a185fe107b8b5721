import { Lockout } from '../server/rate-limit.ts';
import type { HubStore, Session } from './store.ts';
import type { Consultation } from './store/consultations.ts';

/** `GET /api/cabin/consultations/:id/report.pdf`: the patient's copy, printed by the cabin at the end of the visit. */
export const CABIN_REPORT_PDF_PATH = /^\/api\/cabin\/consultations\/([^/]{1,100})\/report\.pdf$/;

/**
 * How long after the doctor ended the consultation its cabin may fetch the report: enough for the doctor to finish
 * the notes while the patient waits, short enough that a cabin (a shared machine) is no way to read old health data.
 */
export const CABIN_REPORT_WINDOW_MS = 60 * 60_000;

/** Fetches per cabin: 30 within 10 minutes (a print and its retries take a handful), then 60 s refused; one at a time. */
export const CABIN_REPORT_LIMIT = { failures: 30, windowS: 10 * 60, lockS: 60 } as const;

export type CabinReportRefusal = { ok: false; status: number; code: string; message: string; retryAfterS?: number };
export type CabinReportAnswer = { ok: true; pdf: Buffer; filename: string } | CabinReportRefusal;

const refuse = (status: number, code: string, message: string, retryAfterS?: number): CabinReportRefusal => ({
  ok: false,
  status,
  code,
  message,
  ...(retryAfterS !== undefined && { retryAfterS }),
});

/**
 * Whether `cabinId` may have the report of `c` at `now`: its own consultation only, once the doctor ended it (the
 * notes are stored with the end), and only within CABIN_REPORT_WINDOW_MS of that end. Null: it may.
 */
export function cabinReportRefusal(c: Consultation | null, cabinId: string, now: number): CabinReportRefusal | null {
  if (!c) return refuse(404, 'not-found', 'There is no such consultation.');
  if (c.cabinId !== cabinId) return refuse(403, 'forbidden', 'This consultation is not yours: a cabin may only print the report of its own consultations.');
  if (c.state === 'cancelled') return refuse(409, 'no-report', 'This consultation was cancelled: it has no doctor’s report to print.');
  if (c.state !== 'ended' || c.endedAt === null) return refuse(409, 'not-yet', 'The doctor has not saved the report yet: try again in a moment.', 10);
  if (now - c.endedAt > CABIN_REPORT_WINDOW_MS) return refuse(403, 'too-late', `The report can be printed only within ${CABIN_REPORT_WINDOW_MS / 60_000} minutes of the consultation’s end: ask the doctor for a copy.`);
  return null;
}

/** Each store's limits (one hub, one store): the hook in http.ts stays one line. */
const limits = new WeakMap<HubStore, { lockout: Lockout; running: Set<string> }>();

function limitsOf(store: HubStore): { lockout: Lockout; running: Set<string> } {
  let l = limits.get(store);
  if (!l) limits.set(store, (l = { lockout: new Lockout(CABIN_REPORT_LIMIT), running: new Set() }));
  return l;
}

/** What makes the PDF (the hub's exporter, src/hub/fhir/exporter.ts): a document, or why not. */
export type MakePdf = (id: string) => Promise<{ ok: true; pdf: Uint8Array } | { ok: false; error: string; message?: string; issues?: unknown }>;

/**
 * The report PDF for a cabin's session, or why not (with the HTTP status to answer). Never throws for a refusal.
 * `onFailure`: what the hub log should hold when the export itself failed.
 */
export async function cabinReportPdf(store: HubStore, session: Session, id: string, makePdf: MakePdf, onFailure: (detail: unknown) => void): Promise<CabinReportAnswer> {
  if (session.role !== 'cabin') return refuse(403, 'forbidden', 'Only a cabin prints the patient’s copy; a doctor downloads the report from its consultation.');
  const l = limitsOf(store);
  const key = `cabin-pdf:${session.subject}`;
  const wait = await l.lockout.lockedFor(key);
  if (wait > 0) return refuse(429, 'too-many-attempts', `Too many report requests: wait ${wait} s and try again.`, wait);
  if (l.running.has(session.subject)) return refuse(429, 'busy', 'This cabin’s report is already being made: try again in a moment.', 1);
  if (await l.lockout.fail(key)) return refuse(429, 'too-many-attempts', `Too many report requests: wait ${CABIN_REPORT_LIMIT.lockS} s and try again.`, CABIN_REPORT_LIMIT.lockS);
  const refusal = cabinReportRefusal(await store.consultation(id), session.subject, store.now());
  if (refusal) return refusal;
  l.running.add(session.subject);
  try {
    const result = await makePdf(id);
    if (result.ok) return { ok: true, pdf: Buffer.from(result.pdf), filename: `consultation-${id.replace(/[^A-Za-z0-9-]/g, '_')}.pdf` };
    if (result.error === 'not-found') return refuse(404, 'not-found', 'There is no such consultation.');
    if (result.error === 'busy') return refuse(503, 'export-busy', 'The hub is making other exports: try again in a minute.', 60);
    onFailure({ consultationId: id, error: result.error, message: result.message, issues: Array.isArray(result.issues) ? result.issues.slice(0, 5) : undefined });
    return refuse(500, 'export-failed', 'The hub could not make this report: the hub log says why.');
  } finally {
    l.running.delete(session.subject);
  }
}
