import type { TFunction } from 'i18next';

/** What the login screen says when the hub asks to wait: seconds up to 2 minutes, whole minutes beyond (up to 15). */
export function waitNotice(t: TFunction, seconds: number): string {
  return seconds >= 120 ? t('login.error.too-many-wait-minutes', { count: Math.ceil(seconds / 60) }) : t('login.error.too-many-wait', { count: Math.ceil(seconds) });
}
