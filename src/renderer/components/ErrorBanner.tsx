import { useTranslation } from 'react-i18next';
import type { BridgeError } from '../../shared/bridge.ts';

/** What went wrong, in main's words (they say what to do), until dismissed. */
export function ErrorBanner({ error, onClose }: { error: BridgeError; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <div>
        <strong>{t('error.title')}</strong>
        <p>{error.message}</p>
      </div>
      <button type="button" className="btn btn-secondary" onClick={onClose}>
        {t('error.close')}
      </button>
    </div>
  );
}
