import { useTranslation } from 'react-i18next';

/** "Are you still there?" with one big answer. */
export function IdlePrompt({ secondsLeft, onYes }: { secondsLeft: number; onYes(): void }) {
  const { t } = useTranslation();
  return (
    <div className="overlay" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" data-testid="idle-prompt">
      <div className="dialog">
        <h2 id="idle-title">{t('idle.title')}</h2>
        <p>{t('idle.text', { seconds: secondsLeft })}</p>
        <button type="button" className="btn btn-primary btn-huge" onClick={onYes} autoFocus>
          {t('idle.yes')}
        </button>
      </div>
    </div>
  );
}
