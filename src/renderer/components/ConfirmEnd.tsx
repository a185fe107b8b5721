import { useTranslation } from 'react-i18next';

/** "End the consultation with the doctor?": one plain question, two big answers; No is the safe default. */
export function ConfirmEnd({ onYes, onNo }: { onYes(): void; onNo(): void }) {
  const { t } = useTranslation();
  return (
    <div className="overlay" role="alertdialog" aria-modal="true" aria-labelledby="confirm-end-title" aria-describedby="confirm-end-text" data-testid="confirm-end">
      <div className="dialog">
        <h2 id="confirm-end-title">{t('endCall.question')}</h2>
        <p id="confirm-end-text">{t('endCall.text')}</p>
        <div className="confirm-answers">
          <button type="button" className="btn btn-secondary btn-huge" onClick={onNo} autoFocus data-testid="confirm-end-no">
            {t('endCall.no')}
          </button>
          <button type="button" className="btn btn-primary btn-huge" onClick={onYes} data-testid="confirm-end-yes">
            {t('endCall.yes')}
          </button>
        </div>
      </div>
    </div>
  );
}
