import { useTranslation } from 'react-i18next';
import { useBridgeRefusal } from '../bridge/use-link.ts';

/** Browser mode sends a spent one-time kiosk address here (src/main/web/host.ts): no bridge token will come. */
const spentLaunch = (): boolean => typeof location !== 'undefined' && new URLSearchParams(location.search).get('launch') === 'spent';

/**
 * Until cabin main answers; `refused`: main refuses this page's bridge token, because it restarted since the page was
 * opened (a token of its earlier run), or the page's address was already used.
 */
export function Connecting({ failures, refused = false }: { failures: number; refused?: boolean }) {
  const { t } = useTranslation();
  const refusal = useBridgeRefusal();
  if (refused || (failures >= 1 && spentLaunch())) {
    const restarted = refusal === 'restarted' && !spentLaunch();
    return (
      <section className="screen screen-connecting" data-testid="screen-connecting">
        <p className="lead" data-testid={restarted ? 'cabin-restarted' : 'launch-spent'}>{t(restarted ? 'app.restarted' : 'app.launchSpent')}</p>
      </section>
    );
  }
  return (
    <section className="screen screen-connecting" data-testid="screen-connecting" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <p className="lead">{failures >= 3 ? t('app.unreachable') : t('app.connecting')}</p>
    </section>
  );
}
