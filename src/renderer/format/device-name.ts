import type { TFunction } from 'i18next';

/**
 * Words for a device, never its identifiers: the patient and the assistant read what it is ("Tensiomètre"), what it
 * can do ("Mode continu") and what it says ("capteur non branché") in their language. A value no translation
 * knows gets a plain word, not the raw id.
 */

/** What the device measures, in the reader's language ("Oxymètre de pouls"). */
export function categoryName(t: TFunction, category: string): string {
  return t(`category.${category}`, { defaultValue: t('category.other') });
}

/** A driver command's button label ("monitor-mode" → "Mode continu"). */
export function commandName(t: TFunction, name: string): string {
  return t(`command.${name}`, { defaultValue: t('command.other') });
}

// Details that carry the device's own code: "device-error-3" reads "erreur de l’appareil (code 3)".
const NUMBERED = /^([a-z-]+?)-(\d+)$/;

/**
 * A driver's status detail ("no-sensor") in words. Free text (a system error) is not translated: it is `raw`, for
 * the assistant to read out to support behind a "technical detail" label.
 */
export function detailText(t: TFunction, detail: string): { text: string; raw?: string } {
  const known = t(`deviceDetail.${detail}`, { defaultValue: '' });
  if (/^[a-z][a-z-]*$/.test(detail) && known) return { text: known };
  const numbered = NUMBERED.exec(detail);
  if (numbered) {
    const text = t(`deviceDetail.${numbered[1]}`, { code: numbered[2], defaultValue: '' });
    if (text) return { text };
  }
  return { text: t('deviceDetail.other'), raw: detail };
}
