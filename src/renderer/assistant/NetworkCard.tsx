import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import type { NetCheck } from '../../shared/netcheck.ts';
import type { NetCheckState } from '../netcheck/latest.ts';

/** The figures of a check in small print: round trips, loss, rate, and which TURN transports answered. */
function Figures({ check }: { check: NetCheck }) {
  const { t, i18n } = useTranslation();
  const fmt = (x: number | undefined, digits = 0) => (x === undefined ? '—' : x.toLocaleString(numberLocale(i18n.language), { maximumFractionDigits: digits }));
  const reach = (r: boolean | null) => t(r === null ? 'netcheck.turnNotTried' : r ? 'netcheck.turnOk' : 'netcheck.turnFailed');
  return (
    <p className="note" data-testid="netcheck-figures">
      {t('netcheck.figures', {
        hubRtt: fmt(check.hubRttMs),
        pathRtt: fmt(check.pathRttMs),
        loss: fmt(check.pathLossPct, 1),
        kbps: fmt(check.uplinkKbps),
      })}
      <br />
      {t('netcheck.turn', { udp: reach(check.turn.udp), tcp: reach(check.turn.tcp), tls: reach(check.turn.tls) })}
      <br />
      {t('netcheck.at', { time: new Date(check.at).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }) })}
    </p>
  );
}

/** The pre-call network check for the assistant: the verdict in words, the figures, and "check again". */
export function NetworkCard({ state, onCheck }: { state: NetCheckState; onCheck(): void }) {
  const { t } = useTranslation();
  const { check, running, error } = state;
  return (
    <div className="netcheck-card" data-testid="netcheck-card" data-verdict={check?.verdict ?? 'none'} data-at={check?.at}>
      {running && <p role="status">{t('netcheck.running')}</p>}
      {!running && !check && <p>{t('netcheck.none')}</p>}
      {check && (
        <>
          <p className={`netcheck-verdict netcheck-${check.verdict}`} data-testid="netcheck-verdict">
            {t(`netcheck.verdict.${check.verdict}`)}
          </p>
          <p>{t(`netcheck.meaning.${check.verdict}`)}</p>
          <Figures check={check} />
        </>
      )}
      {error && !running && <p className="note">{t('netcheck.failed')}</p>}
      <button type="button" className="btn btn-secondary" onClick={onCheck} disabled={running} data-testid="netcheck-again">
        {t('netcheck.again')}
      </button>
    </div>
  );
}
