import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { CallSnapshot } from '../call/call.ts';
import { arrivalBaseline, beforeCall, lateBy, latestVitals, tileStatus, VITAL_KEYS, type Vital, type VitalKey } from '../call/vitals.ts';
import { useThrottled } from './use-throttled.ts';

/** Units as shown (UCUM codes are not for reading). */
const UNIT: Record<string, string> = { '%': '%', '/min': '/min', 'mm[Hg]': 'mmHg', Cel: '°C', kg: 'kg' };
const DECIMALS: Record<VitalKey, number> = { spo2: 0, pulse: 0, bp: 0, temp: 1, weight: 1 };
/** A screen reader hears the latest readings at most this often (ms), not every second of the oximeter. */
const ANNOUNCE_GAP_MS = 15_000;
const TONE: Record<string, string> = { ok: 'ok', measuring: 'busy', searching: 'busy', 'low-perfusion': 'warn', artifact: 'warn', 'low-battery': 'warn', 'probe-off': 'warn', 'sensor-fault': 'bad', error: 'bad' };

/**
 * SpO2, pulse, blood pressure, temperature and weight: the latest value, its time and the device's signal.
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
  const fmt = (n: number, key: VitalKey) => n.toLocaleString(numberLocale(i18n.language), { minimumFractionDigits: DECIMALS[key], maximumFractionDigits: DECIMALS[key] });
  const shown = (key: VitalKey, v: Vital) => `${key === 'bp' ? `${fmt(v.numbers[0]!, key)}/${fmt(v.numbers[1]!, key)}` : fmt(v.numbers[0]!, key)}\u00a0${UNIT[v.unit] ?? v.unit}`;
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
        const status = s.status ?? (s.deviceId ? undefined : 'none');
        return (
          <div key={key} className={`tile card tone-${status ? (TONE[status] ?? 'busy') : 'busy'}`} data-testid={`vital-${key}`} {...(v ? { 'data-value': v.value } : {})} data-status={status ?? ''}>
            <p className="tile-name">{t(`vital.${key}`)}</p>
            {v ? (
              <>
                <p className="tile-value">
                  {key === 'bp' ? `${fmt(v.numbers[0]!, key)}/${fmt(v.numbers[1]!, key)}` : fmt(v.numbers[0]!, key)}
                  <span className="tile-unit"> {UNIT[v.unit] ?? v.unit}</span>
                </p>
                {key === 'bp' && v.numbers[2] !== undefined && <p className="tile-sub">{t('vital.mean', { value: fmt(v.numbers[2], key) })}</p>}
                <p className="tile-sub" data-testid={`vital-${key}-time`} data-t={v.t} data-late-ms={lateMs(v) ?? 0} data-before-call={early(v) ? 'true' : 'false'}>
                  {when(v)}
                </p>
                {v.fromCabinAt !== undefined && (
                  <p className="tile-sub" data-testid={`vital-${key}-from-cabin`} data-from-cabin-at={v.fromCabinAt}>
                    {t('vital.fromCabin', { time: new Date(v.fromCabinAt).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }) })}
                  </p>
                )}
              </>
            ) : (
              <p className="tile-value tile-none">{t('vital.noValue')}</p>
            )}
            {status && <p className="tile-status">{t(`status.${status}`)}</p>}
          </div>
        );
      })}
    </section>
  );
}
