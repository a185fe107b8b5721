import { useTranslation } from 'react-i18next';
import type { BridgeLinkStatus } from './use-link.ts';
import './bridge-lost.css';

/**
 * Across the top of every screen while the page does not reach cabin main: « Reconnexion… », the values below are
 * no longer up to date (they are greyed), and once the grace period is over, the call with the doctor is cut.
 */
export function BridgeLost({ link }: { link: BridgeLinkStatus }) {
  const { t } = useTranslation();
  if (link.state !== 'lost') return null;
  return (
    <div className="bridge-lost" role="alert" data-testid="bridge-lost" data-gone={link.gone}>
      <strong>{t('app.lost.title')}</strong>
      <p>{t('app.lost.text')}</p>
      {link.gone && <p data-testid="bridge-lost-call">{t('app.lost.call')}</p>}
    </div>
  );
}
