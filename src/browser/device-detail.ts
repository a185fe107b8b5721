import type { TFunction } from 'i18next';

// Details that carry the device's own code: "device-error-3" reads « erreur de l’appareil (code 3) ».
const NUMBERED = /^([a-z-]+?)-(\d+)$/;

/** Raw text longer than this is cut: a system error can run long, and a tooltip is not a log. */
const RAW_MAX = 200;

/**
 * A driver's status detail ("no-sensor", "alarm-spo2-low", "control-solution") in the reader's words, for the kiosk
 * and the doctor console alike. Only a detail shaped like an id (lower case, digits, hyphens) is looked up. Anything
 * no translation knows (free text such as a system error, a newer driver's id) is not shown raw: « Détail
 * technique », with the raw text (at most RAW_MAX characters) in `raw`, for support.
 */
export function detailText(t: TFunction, detail: string): { text: string; raw?: string } {
  if (/^[a-z][a-z0-9-]*$/.test(detail)) {
    const known = t(`deviceDetail.${detail}`, { defaultValue: '' });
    if (known) return { text: known };
  }
  const numbered = NUMBERED.exec(detail);
  if (numbered) {
    const text = t(`deviceDetail.${numbered[1]}`, { code: numbered[2], defaultValue: '' });
    if (text) return { text };
  }
  return { text: t('deviceDetail.other'), raw: detail.slice(0, RAW_MAX) };
}
