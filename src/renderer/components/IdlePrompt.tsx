import { useTranslation } from 'react-i18next';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';

/** "Are you still there?" with one big answer. */
export function IdlePrompt({ secondsLeft, onYes }: { secondsLeft: number; onYes(): void }) {
  const { t } = useTranslation();
  const spoken = useSpoken();
  // Said once as it opens: the countdown's seconds are on screen, the voice asks for the touch.
  useAutoSpeak(['idle.title', 'voice.idleText']);
  return (
    <div className="overlay" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" data-testid="idle-prompt">
      <div className="dialog">
        <h2 id="idle-title" {...spoken('idle.title')}>{t('idle.title')}</h2>
        <p {...spoken('voice.idleText')}>{t('idle.text', { count: secondsLeft })}</p>
        <button type="button" className="btn btn-primary btn-huge" onClick={onYes} autoFocus>
          {t('idle.yes')}
        </button>
      </div>
    </div>
  );
}
