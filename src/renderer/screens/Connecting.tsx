import { useTranslation } from 'react-i18next';

/** Browser mode sends a spent one-time kiosk address here (src/main/web/host.ts): no bridge token will come. */
const spentLaunch = (): boolean => typeof location !== 'undefined' && new URLSearchParams(location.search).get('launch') === 'spent';

/** Until cabin main answers; `refused`: main refuses this page's bridge token (it restarted since the page was opened). */
export function Connecting({ failures, refused = false }: { failures: number; refused?: boolean }) {
  const { t } = useTranslation();
  if (refused || (failures >= 1 && spentLaunch())) {
    return (
      <section className="screen screen-connecting" data-testid="screen-connecting">
        <p className="lead" data-testid="launch-spent">{t('app.launchSpent')}</p>
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
