import { useTranslation } from 'react-i18next';
import type { BridgeError } from '../../shared/bridge.ts';

/** What went wrong, as a sentence in the patient's language (and the incident number to give), until dismissed. */
export function ErrorBanner({ error, onClose }: { error: BridgeError; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <div>
        <strong>{t('error.title')}</strong>
        <p>{t(`bridgeError.${error.code}`)}</p>
        {error.incident && (
          <p>
            <IncidentNumber error={error} />
          </p>
        )}
      </div>
      <button type="button" className="btn btn-secondary" onClick={onClose}>
        {t('error.close')}
      </button>
    </div>
  );
}

/** The incident number to give the staff, when the failure has one (an internal failure): the same line on every screen. */
export function IncidentNumber({ error }: { error: BridgeError }) {
  const { t } = useTranslation();
  return error.incident ? <span data-testid="error-incident">{t('error.incident', { incident: error.incident })}</span> : null;
}
