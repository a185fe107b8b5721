import { useTranslation } from 'react-i18next';
import { ListenButton } from '../components/ListenButton.tsx';
import { VideoPreview } from '../components/VideoPreview.tsx';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';

/** The otoscope's step: what to do, and the otoscope's picture large (the only place the patient sees it). */
export function OtoscopeStep({ stream, compact }: { stream: MediaStream | undefined; compact: boolean }) {
  const { t } = useTranslation();
  const spoken = useSpoken();
  const key = 'step.otoscope.instruction';
  useAutoSpeak([key]);
  return (
    <div className={`step step-otoscope${compact ? ' step-compact' : ''}`} data-testid="step-otoscope">
      <div className="step-guide">
        <p {...spoken(key, 'instruction')}>{t(key)}</p>
        <ListenButton keys={[key]} />
      </div>
      <div className="step-live">
        {stream ? (
          <VideoPreview stream={stream} label={t('exam.otoscope')} className="preview-otoscope" testId="otoscope-preview" />
        ) : (
          <p className="lead">{t('step.otoscope.missing')}</p>
        )}
      </div>
    </div>
  );
}
