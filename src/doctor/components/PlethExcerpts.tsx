import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { PlethExcerpt } from '../../shared/visit-devices.ts';
import { wholeSeconds } from './Pleth.tsx';

/** Points drawn per curve at most: a 10 s excerpt at 400 Hz is drawn from a tenth of its samples. */
const MAX_POINTS = 400;
const W = 400;
const H = 60;

/**
 * An excerpt's samples as an SVG polyline in a W×H box (top = the highest sample): every sample, or an even pick of
 * MAX_POINTS of them; a flat curve is a line across the middle.
 */
export function curvePoints(samples: readonly number[]): string {
  if (samples.length === 0) return '';
  const count = Math.min(samples.length, MAX_POINTS);
  const picked = Array.from({ length: count }, (_, i) => samples[Math.floor((i * samples.length) / count)]!);
  let min = Infinity;
  let max = -Infinity;
  for (const v of picked) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const span = max - min;
  const last = Math.max(1, picked.length - 1);
  return picked.map((v, i) => `${((i / last) * W).toFixed(1)},${(span === 0 ? H / 2 : 2 + (1 - (v - min) / span) * (H - 4)).toFixed(1)}`).join(' ');
}

/**
 * The pleth excerpts of a past report, read-only: the cabin's first seconds of each connection and the passages the
 * doctor marked (labelled), each with its time, duration and a small drawing of its curve.
 */
export function PlethExcerpts({ pleth }: { pleth: readonly PlethExcerpt[] }) {
  const { t, i18n } = useTranslation();
  const locale = numberLocale(i18n.language);
  const ordered = [...pleth].sort((a, b) => a.t - b.t);
  return (
    <ul className="pleth-past-list">
      {ordered.map((p) => {
        const time = new Date(p.t).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
        const duration = t('pleth.duration', { count: wholeSeconds(p.samples.length / p.rate) });
        return (
          <li key={`${p.deviceId}/${p.t}/${p.marked ? 'm' : 'c'}/${p.samples.length}`} data-testid="past-report-pleth" data-marked={p.marked ? 'true' : 'false'}>
            <figure>
              <svg className="pleth-past-curve" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={t('pastReport.pleth.curve', { time })}>
                <polyline points={curvePoints(p.samples)} />
              </svg>
              <figcaption>
                <time dateTime={new Date(p.t).toISOString()}>{time}</time> — {duration} —{' '}
                {p.marked ? <span className="pleth-marked-badge">{t('pastReport.pleth.marked')}</span> : <span className="note">{t('pastReport.pleth.first')}</span>}
              </figcaption>
            </figure>
          </li>
        );
      })}
    </ul>
  );
}
