import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { NetCheck } from '../../shared/netcheck.ts';

/** An icon per verdict (decorative: the words say it), from full bars to none. */
const ICON: Record<NetCheck['verdict'], string> = { good: '▂▄▆█', reduced: '▂▄▆', 'audio-only': '▂', offline: '✕' };

/** The cabin's pre-call network check in the queue: what the call will be able to do, in words, with the figures. */
export function NetCheckBadge({ check }: { check: NetCheck }) {
  const { t, i18n } = useTranslation();
  const n = (x: number | undefined) => (x === undefined ? '—' : x.toLocaleString(numberLocale(i18n.language), { maximumFractionDigits: 0 }));
  return (
    <p className={`netcheck netcheck-${check.verdict}`} data-testid="queue-netcheck" data-verdict={check.verdict}>
      <span className="netcheck-icon" aria-hidden="true">
        {ICON[check.verdict]}
      </span>{' '}
      {t('netcheck.label', { verdict: t(`netcheck.verdict.${check.verdict}`) })}{' '}
      <span className="note">({t('netcheck.figures', { rtt: n(check.pathRttMs), loss: n(check.pathLossPct), kbps: n(check.uplinkKbps) })})</span>
    </p>
  );
}
