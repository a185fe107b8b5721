import type { TFunction } from 'i18next';

/** Shown in steps of this (ms): the words stay readable, the screen does not redraw every second. */
export const OFFLINE_STEP_MS = 5_000;

/** How long a waiting patient's cabin has been offline, as shown: a moment, seconds in steps of 5, then minutes. */
export type Offline = { unit: 'moment' } | { unit: 's'; seconds: number } | { unit: 'min'; minutes: number };

/** From the hub's `offlineSince` (ms) to now; a console clock behind the hub's reads "a moment", never a negative time. */
export function offlineFor(since: number, now: number): Offline {
  const ms = Math.max(0, now - since);
  if (ms < OFFLINE_STEP_MS) return { unit: 'moment' };
  if (ms < 60_000) return { unit: 's', seconds: Math.floor(ms / OFFLINE_STEP_MS) * (OFFLINE_STEP_MS / 1000) };
  return { unit: 'min', minutes: Math.floor(ms / 60_000) };
}

/** "Cabine hors ligne depuis 40 s — elle peut revenir…": why Accept is disabled, in the doctor's language. */
export function cabinOfflineText(t: TFunction, since: number, now: number): string {
  const o = offlineFor(since, now);
  if (o.unit === 'moment') return t('queue.offline.moment');
  if (o.unit === 's') return t('queue.offline.seconds', { count: o.seconds });
  return t('queue.offline.minutes', { minutes: o.minutes });
}

/** The ms until the shown offline time changes (the next step since `since`), at least 1 s. */
export function nextOfflineStepIn(since: number, now: number): number {
  const ms = Math.max(0, now - since);
  const step = ms < 60_000 ? OFFLINE_STEP_MS : 60_000;
  return Math.max(1000, step - (ms % step));
}
