import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { CallSnapshot } from '../call/call.ts';
import { flagNotes, unitText } from '../call/reading-notes.ts';
import { arrivalBaseline, beforeCall, lateBy, latestVitals, OPTIONAL_VITALS, tileStatus, VITAL_KEYS, type Vital } from '../call/vitals.ts';
import { useThrottled } from './use-throttled.ts';
import { absentText, vitalValue, VitalTile } from './VitalTile.tsx';

/** A screen reader hears the latest readings at most this often (ms), not every second of the oximeter. */
const ANNOUNCE_GAP_MS = 15_000;

/**
 * SpO2, pulse, blood pressure, temperature and weight, and glucose when the cabin has a glucometer: the latest value,
 * its time and the device's signal (VitalTile).
 * `acceptedAt`: when the doctor accepted the call (ms), so readings taken before it are not called late.
 */
export function Vitals({ snap, acceptedAt }: { snap: CallSnapshot; acceptedAt?: number | undefined }) {
  const { t, i18n } = useTranslation();
  // Readings stored before a reload first: a live one of the same time wins (the later arrival).
  const vitals = useMemo(() => latestVitals(snap.earlier.length > 0 ? [...snap.earlier, ...snap.observations] : snap.observations), [snap.earlier, snap.observations]);
  const baseline = useMemo(() => arrivalBaseline(snap.observations), [snap.observations]);
  // Device time, and how late it arrived when it came late (after a cut): "10:42:05 · arrivée avec 31 s de retard";
  // one taken before the call was not late: "10:41:09 · mesurée avant l’appel".
  const early = (v: Vital): boolean => beforeCall(v, baseline, acceptedAt);
  const lateMs = (v: Vital): number | undefined => (early(v) ? undefined : lateBy(v, baseline));
  const when = (v: Vital): string => {
    const at = t('vital.at', { time: new Date(v.t).toLocaleTimeString(numberLocale(i18n.language)) });
    if (early(v)) return `${at} · ${t('vital.beforeCall')}`;
    const late = lateMs(v);
    if (late === undefined) return at;
    const s = Math.round(late / 1000);
    return `${at} · ${s >= 120 ? t('vital.lateMin', { count: Math.round(s / 60) }) : t('vital.late', { count: s })}`;
  };
  // A screen reader hears the warnings with the value (« 142/80 mmHg, Pouls irrégulier »), not the other flags.
  const shown = (key: (typeof VITAL_KEYS)[number], v: Vital) =>
    [v.absent !== undefined ? absentText(t, v.absent) : `${vitalValue(key, v, i18n.language)}\u00a0${unitText(v.unit)}`, ...flagNotes(v.flags).filter((f) => f.warn).map((f) => t(`flag.${f.flag}`))].join(', ');
  const summary = VITAL_KEYS.flatMap((key) => {
    const v = vitals[key];
    return v ? [t('live.item', { name: t(`vital.${key}`), value: shown(key, v) })] : [];
  }).join(' · ');
  const announced = useThrottled(summary || t('live.none'), ANNOUNCE_GAP_MS);
  return (
    <section className="vitals" aria-labelledby="vitals-title">
      <h2 id="vitals-title" className="sr-only">
        {t('vital.title')}
      </h2>
      <p className="sr-only" aria-live="polite" aria-atomic="true" data-testid="vitals-live">
        {announced}
      </p>
      {VITAL_KEYS.map((key) => {
        const v = vitals[key];
        const s = tileStatus(key, v, snap.devices, snap.statuses);
        if (OPTIONAL_VITALS.has(key) && !v && !s.deviceId) return null;
        const status = s.status ?? (s.deviceId ? undefined : 'none');
        return <VitalTile key={key} vitalKey={key} vital={v} status={status} detail={s.detail} {...(v ? { when: when(v), lateMs: lateMs(v) ?? 0, beforeCall: early(v) } : {})} />;
      })}
    </section>
  );
}
