import { useTranslation } from 'react-i18next';

/** The assistant's discreet way in: a corner button with its name in words (« Assistant »), a full-size touch target. */
export function AssistantButton({ onClick }: { onClick(): void }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="assistant-button" onClick={onClick} data-testid="assistant-open">
      <svg viewBox="0 0 24 24" aria-hidden="true" className="icon">
        <circle cx="8" cy="12" r="4" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M12 12h9M18 12v3M21 12v3" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      </svg>
      {t('assistant.open')}
    </button>
  );
}
