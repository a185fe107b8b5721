import { useTranslation } from 'react-i18next';

/** Until cabin main answers. */
export function Connecting({ failures }: { failures: number }) {
  const { t } = useTranslation();
  return (
    <section className="screen screen-connecting" data-testid="screen-connecting" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <p className="lead">{failures >= 3 ? t('app.unreachable') : t('app.connecting')}</p>
    </section>
  );
}
