import { useTranslation } from 'react-i18next';

/** The cabin is locked between two patients until the assistant completes the checklist. */
export function Cleaning() {
  const { t } = useTranslation();
  return (
    <section className="screen screen-cleaning" data-testid="screen-cleaning">
      <svg viewBox="0 0 120 120" className="cleaning-icon" aria-hidden="true">
        <rect x="28" y="52" width="64" height="52" rx="8" fill="#0b3d91" />
        <path d="M42 52V38a18 18 0 0 1 36 0v14" fill="none" stroke="#0b3d91" strokeWidth="10" />
        <circle cx="60" cy="76" r="7" fill="#fff" />
        <path d="M60 80v12" stroke="#fff" strokeWidth="6" strokeLinecap="round" />
      </svg>
      <h1>{t('cleaning.title')}</h1>
      <p className="lead">{t('cleaning.text')}</p>
      <p className="note">{t('cleaning.assistantOnly')}</p>
    </section>
  );
}
