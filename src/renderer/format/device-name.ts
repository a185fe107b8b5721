import type { TFunction } from 'i18next';

/**
 * Words for a device, never its identifiers: the patient and the assistant read what it is ("Tensiomètre"), what it
 * can do ("Mode continu") and what it says ("capteur non branché": detailText, src/browser/device-detail.ts, shared
 * with the doctor console) in their language. A value no translation knows gets a plain word, not the raw id.
 */

/** What the device measures, in the reader's language ("Oxymètre de pouls"). */
export function categoryName(t: TFunction, category: string): string {
  return t(`category.${category}`, { defaultValue: t('category.other') });
}

/** A driver command's button label ("monitor-mode" → "Mode continu"). */
export function commandName(t: TFunction, name: string): string {
  return t(`command.${name}`, { defaultValue: t('command.other') });
}
