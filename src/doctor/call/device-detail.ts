import type { TFunction } from 'i18next';

// Details that carry the device's own code: "device-error-3" reads « erreur de l’appareil (code 3) ».
const NUMBERED = /^([a-z-]+?)-(\d+)$/;

/**
 * A driver's status detail ("alarm-pulse-low", "control-solution") in the doctor's words, as the kiosk says it
 * (src/renderer/format/device-name.ts, which the console may not import). Anything no translation knows (free text, a
 * newer driver's id) is not shown raw: « détail technique », with the raw text in `raw` for support.
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
  return { text: t('deviceDetail.other'), raw: detail.slice(0, 200) };
}
