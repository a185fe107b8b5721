import type { CallView, Phase } from '../../shared/bridge.ts';

/** Ending needs a "yes" while a doctor has the consultation: one tap must not hang up on the doctor. */
export const endNeedsConfirm = (view: CallView | null): boolean => view?.state === 'active';

/** "Call the assistant" is there through the whole visit (consent, exam, summary); not on welcome or cleaning. */
export const helpOffered = (phase: Phase | undefined): boolean => phase === 'consent' || phase === 'exam' || phase === 'end';

/** How often the chime rings again while nobody answers the patient's call (ms). */
export const CHIME_EVERY_MS = 30_000;

/** The chime rings when the patient calls, then every `everyMs` until the assistant answers (`lastRang`: ms or null). */
export function chimeDue(helpAt: number | null, lastRang: number | null, now: number, everyMs = CHIME_EVERY_MS): boolean {
  if (helpAt === null) return false;
  return lastRang === null || lastRang < helpAt || now - lastRang >= everyMs;
}
