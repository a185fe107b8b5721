import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { NetCheck } from '../../shared/netcheck.ts';

/** An icon per verdict (decorative: the words say it), from full bars to none. */
const ICON: Record<NetCheck['verdict'], string> = { good: '▂▄▆█', reduced: '▂▄▆', 'audio-only': '▂', offline: '✕' };

/**
 * The cabin's pre-call network check in the queue: what the call will be able to do, in words, with the figures it
 * has. A hub without TURN gives no media path: the round trip and loss are then those to the hub, and say so.
 */
export function NetCheckBadge({ check }: { check: NetCheck }) {
  const { t, i18n } = useTranslation();
  const n = (x: number) => x.toLocaleString(numberLocale(i18n.language), { maximumFractionDigits: 0 });
  const path = check.pathRttMs !== undefined || check.pathLossPct !== undefined;
  const rtt = path ? check.pathRttMs : check.hubRttMs;
  const loss = path ? check.pathLossPct : check.hubLossPct;
  const figures = [
    ...(rtt === undefined ? [] : [t(path ? 'netcheck.rtt' : 'netcheck.hubRtt', { rtt: n(rtt) })]),
    ...(loss === undefined ? [] : [t('netcheck.loss', { loss: n(loss) })]),
    ...(check.uplinkKbps === undefined ? [] : [t('netcheck.kbps', { kbps: n(check.uplinkKbps) })]),
  ];
  return (
    <p className={`netcheck netcheck-${check.verdict}`} data-testid="queue-netcheck" data-verdict={check.verdict}>
      <span className="netcheck-icon" aria-hidden="true">
        {ICON[check.verdict]}
      </span>{' '}
      {t('netcheck.label', { verdict: t(`netcheck.verdict.${check.verdict}`) })}
      {figures.length > 0 && (
        <>
          {' '}
          <span className="note">({figures.join(t('netcheck.separator'))})</span>
        </>
      )}
    </p>
  );
}
