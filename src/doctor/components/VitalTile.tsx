import { useTranslation } from 'react-i18next';
import type { DeviceStatus } from '../../shared/device-event.ts';
import type { AbsentReason } from '../../shared/observation.ts';
import { numberLocale } from '../../shared/language.ts';
import { detailText } from '../../browser/device-detail.ts';
import { formatNumber } from '../../browser/number.ts';
import { clockNote, flagNotes, gramsPerLitre, unitText } from '../call/reading-notes.ts';
import { shownDecimals, type Vital, type VitalKey } from '../call/vitals.ts';

const TONE: Record<string, string> = { ok: 'ok', measuring: 'busy', searching: 'busy', 'low-perfusion': 'warn', artifact: 'warn', 'low-battery': 'warn', 'probe-off': 'warn', 'sensor-fault': 'bad', error: 'bad' };

export interface VitalTileProps {
  vitalKey: VitalKey;
  vital: Vital | undefined;
  /** The signal of the tile's device ('none': the cabin has no such device). */
  status: DeviceStatus | 'none' | undefined;
  /** The device's own word on its state ("alarm-pulse-low"), put into words here. */
  detail?: string | undefined;
  /** The reading's time line (« à 10:42:05 · arrivée avec 31 s de retard »). */
  when?: string | undefined;
  lateMs?: number | undefined;
  beforeCall?: boolean | undefined;
}

/** What the device answered instead of a number, as IEEE 11073 names its special values (the same in every language). */
const ABSENT_SAID: Record<Exclude<AbsentReason, 'reserved'>, string> = { nan: 'NaN', nres: 'NRes', 'positive-infinity': '+INF', 'negative-infinity': '−INF' };

/** A reading the device gave without a number, in words: « mesure impossible (l’appareil a répondu « NRes ») ». */
export function absentText(t: ReturnType<typeof useTranslation>['t'], reason: AbsentReason): string {
  return t('vital.absent', { said: reason === 'reserved' ? t('vital.absentReserved') : ABSENT_SAID[reason] });
}

/** The number as the tile shows it, in the reader's `language` (BP: « 135/85 »); never called for an absent one. */
export function vitalValue(key: VitalKey, v: Vital, language: string | undefined): string {
  const fmt = (n: number) => formatNumber(n, shownDecimals(key, v.decimals), language);
  return key === 'bp' ? `${fmt(v.numbers[0]!)}/${fmt(v.numbers[1]!)}` : fmt(v.numbers[0]!);
}

/**
 * One vitals tile: the latest value with its unit, what the device said about it (flags, warnings in their tone),
 * its time and, discreetly, when the device's clock makes that time doubtful, the value in the device's own unit
 * when it was converted, and the device's signal.
 */
export function VitalTile({ vitalKey: key, vital: v, status, detail, when, lateMs, beforeCall }: VitalTileProps) {
  const { t, i18n } = useTranslation();
  const locale = numberLocale(i18n.language);
  const num = (n: number, d: number) => formatNumber(n, d, i18n.language);
  const site = key === 'temp' && v && v.code !== 'MDC_TEMP_BODY' ? t(`tempSite.${v.code}`, { defaultValue: '' }) : '';
  const name = site ? t('vital.tempSite', { site }) : t(`vital.${key}`);
  const sample = key === 'glucose' && v ? t(`glucoseSample.${v.code}`, { defaultValue: '' }) : '';
  const flags = flagNotes(v?.flags);
  const clock = clockNote(v?.deviceClock);
  const reported = v?.reported ? `${v.reported.values.slice(0, key === 'bp' ? 2 : 1).map((n) => num(n, v.reported!.decimals)).join('/')}\u00a0${unitText(v.reported.unit)}` : undefined;
  const said = detail ? detailText(t, detail) : undefined;
  return (
    <div
      className={`tile card tone-${status ? (TONE[status] ?? 'busy') : 'busy'}`}
      data-testid={`vital-${key}`}
      {...(v ? { 'data-value': v.value, 'data-code': v.code } : {})}
      data-status={status ?? ''}
      data-flags={flags.map((f) => f.flag).join(' ')}
    >
      <p className="tile-name">{name}</p>
      {v ? (
        <>
          {v.absent !== undefined ? (
            // The device measured and gave no number: said in words, never a number (0 % would be a clinical lie).
            <p className="tile-value tile-absent" data-testid={`vital-${key}-absent`} data-absent={v.absent}>
              {absentText(t, v.absent)}
            </p>
          ) : (
            <p className="tile-value">
              {vitalValue(key, v, i18n.language)}
              <span className="tile-unit"> {unitText(v.unit)}</span>
            </p>
          )}
          {key === 'bp' && v.numbers[2] !== undefined && <p className="tile-sub">{t('vital.mean', { value: num(v.numbers[2], 0) })}</p>}
          {key === 'bp' && v.meanAbsent !== undefined && (
            <p className="tile-sub" data-testid="vital-bp-mean-absent" data-absent={v.meanAbsent}>
              {t('vital.meanAbsent')}
            </p>
          )}
          {key === 'glucose' && v.absent === undefined && (
            <p className="tile-sub" data-testid="vital-glucose-gl">
              {t('vital.gramsPerLitre', { value: num(gramsPerLitre(v.numbers[0]!), 2) })}
              {sample && ` · ${sample}`}
            </p>
          )}
          {reported && (
            <p className="tile-sub" data-testid={`vital-${key}-reported`}>
              {t('vital.reported', { value: reported })}
            </p>
          )}
          {flags.length > 0 && (
            <ul className="tile-flags" aria-label={t('vital.flags')} data-testid={`vital-${key}-flags`}>
              {flags.map((f) => (
                <li key={f.flag} className={`flag ${f.warn ? 'flag-warn' : 'flag-info'}`} data-flag={f.flag} data-warn={f.warn ? 'true' : 'false'}>
                  {f.warn && <span aria-hidden="true">⚠ </span>}
                  {t(`flag.${f.flag}`)}
                </li>
              ))}
            </ul>
          )}
          {when !== undefined && (
            <p className="tile-sub" data-testid={`vital-${key}-time`} data-t={v.t} data-late-ms={lateMs ?? 0} data-before-call={beforeCall ? 'true' : 'false'}>
              {when}
            </p>
          )}
          {clock && (
            <p
              className="tile-sub tile-clock"
              data-testid={`vital-${key}-clock`}
              data-clock={v.deviceClock?.state}
              title={t(clock.key === 'clock.unset' ? 'clock.unsetHint' : 'clock.skewedHint')}
            >
              {clock.key === 'clock.unset' ? t(clock.key) : t(clock.key, { count: clock.count })}
            </p>
          )}
          {v.fromCabinAt !== undefined && (
            <p className="tile-sub" data-testid={`vital-${key}-from-cabin`} data-from-cabin-at={v.fromCabinAt}>
              {t('vital.fromCabin', { time: new Date(v.fromCabinAt).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }) })}
            </p>
          )}
        </>
      ) : (
        <p className="tile-value tile-none">{t('vital.noValue')}</p>
      )}
      {status && (
        <p className="tile-status" data-testid={`vital-${key}-status`}>
          {t(`status.${status}`)}
          {said && (
            <span className="tile-detail" {...(said.raw ? { title: said.raw } : {})}>
              {' · '}
              {said.text}
            </span>
          )}
        </p>
      )}
    </div>
  );
}
