import type { TFunction } from 'i18next';
import { waitingFor } from './queue-watch.ts';

/** "En attente depuis 3 min": the waiting time of a queue item in the doctor's language. */
export function waitingText(t: TFunction, since: number, now: number): string {
  const w = waitingFor(since, now);
  if (w.unit === 'now') return t('waiting.now');
  if (w.unit === 'min') return t('waiting.minutes', { minutes: w.minutes });
  return t('waiting.hours', { hours: w.hours, minutes: String(w.minutes).padStart(2, '0') });
}
