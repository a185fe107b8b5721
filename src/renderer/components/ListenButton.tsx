import { useTranslation } from 'react-i18next';
import { useSpeech } from '../speech/context.tsx';

/** Says these translation keys again from the voice pack, for patients who read with difficulty. */
export function ListenButton({ keys }: { keys: readonly string[] }) {
  const { t } = useTranslation();
  const { say } = useSpeech();
  return (
    <button type="button" className="btn btn-secondary btn-listen" onClick={() => void say(keys)} data-testid="listen">
      <svg viewBox="0 0 24 24" aria-hidden="true" className="icon">
        <path d="M3 9v6h4l5 5V4L7 9H3z" fill="currentColor" />
        <path d="M16 8a5 5 0 0 1 0 8M18.5 5a9 9 0 0 1 0 14" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      </svg>
      {t('exam.listen')}
    </button>
  );
}
