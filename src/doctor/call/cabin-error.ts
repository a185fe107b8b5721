import type { TFunction } from 'i18next';

/**
 * Why the cabin refused a command or a snapshot, in the doctor's words. The cabin sends a code (a bridge error code,
 * `no-otoscope`, `not-sent`); a cabin one version older sends an English sentence, shown as it came.
 */
export function cabinErrorText(t: TFunction, error: string | undefined): string {
  if (!error) return t('cabinError.unavailable');
  return /^[a-z][a-z-]*$/.test(error) ? t(`cabinError.${error}`, { defaultValue: error }) : error;
}
