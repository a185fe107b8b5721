import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../browser/number.ts';
import { numberLocale } from '../../shared/language.ts';
import type { ObservationFlag } from '../../shared/observation.ts';
import { clockNote, flagNotes, gramsPerLitre, unitText } from '../call/reading-notes.ts';
import { shownDecimals, type Vital, type VitalKey } from '../call/vitals.ts';
import { catalogueName, type PastReportLines, type SpotLine, type StreamLine } from '../state/past-report.ts';
import { absentText, vitalValue } from './VitalTile.tsx';

/**
 * A past report's readings, read-only: one row per spot measurement (time, measure, value as the tiles write it, what
 * the device said, device), then the continuous readings minute by minute (min–max and median).
 */
export function ReportReadings({ lines }: { lines: PastReportLines }) {
  const { t } = useTranslation();
  if (lines.spots.length === 0 && lines.streams.length === 0) return <p className="empty">{t('pastReport.noReadings')}</p>;
  return (
    <>
      {lines.spots.length > 0 && (
        <table className="report-table" data-testid="past-report-spots">
          <caption className="sr-only">{t('pastReport.spots')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('pastReport.col.time')}</th>
              <th scope="col">{t('pastReport.col.measure')}</th>
              <th scope="col">{t('pastReport.col.value')}</th>
              <th scope="col">{t('pastReport.col.remarks')}</th>
              <th scope="col">{t('pastReport.col.device')}</th>
            </tr>
          </thead>
          <tbody>
            {lines.spots.map((s) => (
              <SpotRow key={s.reading.id} s={s} />
            ))}
          </tbody>
        </table>
      )}
      {lines.streams.length > 0 && (
        <table className="report-table" data-testid="past-report-streams">
          <caption className="report-caption">{t('pastReport.streams')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('pastReport.col.time')}</th>
              <th scope="col">{t('pastReport.col.measure')}</th>
              <th scope="col">{t('pastReport.col.range')}</th>
              <th scope="col">{t('pastReport.col.remarks')}</th>
              <th scope="col">{t('pastReport.col.device')}</th>
            </tr>
          </thead>
          <tbody>
            {lines.streams.map((s) => (
              <StreamRow key={`${s.minute}-${s.deviceId}-${s.code}-${s.unit}`} s={s} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function measureName(t: ReturnType<typeof useTranslation>['t'], language: string, key: VitalKey | undefined, code: string): string {
  if (!key) return catalogueName(code, language);
  const site = key === 'temp' && code !== 'MDC_TEMP_BODY' ? t(`tempSite.${code}`, { defaultValue: '' }) : '';
  const sample = key === 'glucose' ? t(`glucoseSample.${code}`, { defaultValue: '' }) : '';
  return site ? t('vital.tempSite', { site }) : sample ? `${t(`vital.${key}`)} (${sample})` : t(`vital.${key}`);
}

function SpotRow({ s }: { s: SpotLine }) {
  const { t, i18n } = useTranslation();
  const v = s.vital;
  const r = s.reading;
  const time = new Date(s.t).toLocaleTimeString(numberLocale(i18n.language));
  return (
    <tr data-testid="past-report-reading" data-code={v?.code ?? r.code} data-value={v?.value ?? String(r.value ?? '')} data-absent={v?.absent ?? r.absent ?? ''}>
      <td>
        <time dateTime={new Date(s.t).toISOString()}>{time}</time>
      </td>
      <th scope="row">{measureName(t, i18n.language, v?.key, v?.code ?? r.code)}</th>
      <td className="report-value">
        {v ? (
          <VitalText v={v} />
        ) : r.value === undefined ? (
          absentText(t, r.absent ?? 'nan')
        ) : (
          `${formatNumber(r.value, r.decimals ?? 0, i18n.language)}\u00a0${unitText(r.unit)}`.trim()
        )}
      </td>
      <td>
        <Remarks flags={v ? v.flags : r.flags} clock={v ? v.deviceClock : r.deviceClock} fromCabinAt={v ? v.fromCabinAt : r.fromCabinAt} />
      </td>
      <td className="report-device" dir="ltr">
        {s.deviceId || '—'}
      </td>
    </tr>
  );
}

/** The value as the live tile writes it, with what the tile shows under it (BP's mean, glucose in g/L, the device's own unit). */
function VitalText({ v }: { v: Vital }) {
  const { t, i18n } = useTranslation();
  const num = (n: number, d: number) => formatNumber(n, d, i18n.language);
  if (v.absent !== undefined) return <strong>{absentText(t, v.absent)}</strong>;
  const subs = [
    ...(v.key === 'bp' && v.numbers[2] !== undefined ? [t('vital.mean', { value: num(v.numbers[2], 0) })] : []),
    ...(v.key === 'bp' && v.meanAbsent !== undefined ? [t('vital.meanAbsent')] : []),
    ...(v.key === 'glucose' ? [t('vital.gramsPerLitre', { value: num(gramsPerLitre(v.numbers[0]!), 2) })] : []),
    ...(v.reported ? [t('vital.reported', { value: `${v.reported.values.slice(0, v.key === 'bp' ? 2 : 1).map((n) => num(n, v.reported!.decimals)).join('/')}\u00a0${unitText(v.reported.unit)}` })] : []),
  ];
  return (
    <>
      <strong>{vitalValue(v.key, v, i18n.language)}</strong>
      {unitText(v.unit) && `\u00a0${unitText(v.unit)}`}
      {subs.length > 0 && <span className="report-sub"> · {subs.join(' · ')}</span>}
    </>
  );
}

function StreamRow({ s }: { s: StreamLine }) {
  const { t, i18n } = useTranslation();
  const d = s.key ? shownDecimals(s.key, s.decimals) : (s.decimals ?? 0);
  const num = (n: number) => formatNumber(n, d, i18n.language);
  const unit = unitText(s.unit);
  const from = new Date(s.minute * 60_000);
  return (
    <tr data-testid="past-report-stream" data-code={s.code} data-count={s.count}>
      <td>
        <time dateTime={from.toISOString()}>{from.toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' })}</time>
      </td>
      <th scope="row">{measureName(t, i18n.language, s.key, s.code)}</th>
      <td className="report-value">
        {t('pastReport.range', { min: num(s.min), max: num(s.max), median: num(s.median), unit: unit ? `\u00a0${unit}` : '' })}
        <span className="report-sub"> · {t('pastReport.count', { count: s.count })}</span>
      </td>
      <td>
        <Remarks flags={s.flags} />
      </td>
      <td className="report-device" dir="ltr">
        {s.deviceId || '—'}
      </td>
    </tr>
  );
}

/** What the device said (warnings first, in their tone), a doubtful clock, a reading the cabin delivered after the call. */
function Remarks({ flags, clock, fromCabinAt }: { flags?: readonly ObservationFlag[] | undefined; clock?: Vital['deviceClock']; fromCabinAt?: number | undefined }) {
  const { t, i18n } = useTranslation();
  const notes = flagNotes(flags);
  const c = clockNote(clock);
  if (notes.length === 0 && !c && fromCabinAt === undefined) return null;
  return (
    <ul className="report-remarks">
      {notes.map((f) => (
        <li key={f.flag} className={`flag ${f.warn ? 'flag-warn' : 'flag-info'}`} data-flag={f.flag}>
          {f.warn && <span aria-hidden="true">⚠ </span>}
          {t(`flag.${f.flag}`)}
        </li>
      ))}
      {c && <li className="flag flag-info">{c.key === 'clock.unset' ? t(c.key) : t(c.key, { count: c.count })}</li>}
      {fromCabinAt !== undefined && (
        <li className="flag flag-info">{t('vital.fromCabin', { time: new Date(fromCabinAt).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }) })}</li>
      )}
    </ul>
  );
}
