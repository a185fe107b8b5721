import type { TFunction } from 'i18next';

/**
 * Why the hub refused (an `error` message's code: not-active, already-claimed…) in the doctor's words; the hub's
 * English message only for a code this console does not know (a newer hub).
 */
export function hubErrorText(t: TFunction, code: string, message?: string): string {
  return t(`hubError.${code}`, { defaultValue: message || code });
}
