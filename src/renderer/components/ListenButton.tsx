import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

const LOCALES: Record<string, string> = { fr: 'fr-FR', en: 'en-GB' };

/** Reads `text` aloud with the system voice, for patients who read with difficulty. */
export function ListenButton({ text }: { text: string }) {
  const { t, i18n } = useTranslation();
  const synth = typeof window !== 'undefined' ? window.speechSynthesis : undefined;
  useEffect(() => () => synth?.cancel(), [synth, text]);
  if (!synth) return null;
  const speak = (): void => {
    synth.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.lang = LOCALES[i18n.language] ?? i18n.language;
    u.rate = 0.9;
    synth.speak(u);
  };
  return (
    <button type="button" className="btn btn-secondary btn-listen" onClick={speak}>
      <svg viewBox="0 0 24 24" aria-hidden="true" className="icon">
        <path d="M3 9v6h4l5 5V4L7 9H3z" fill="currentColor" />
        <path d="M16 8a5 5 0 0 1 0 8M18.5 5a9 9 0 0 1 0 14" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      </svg>
      {t('exam.listen')}
    </button>
  );
}
