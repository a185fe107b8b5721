import { useTranslation } from 'react-i18next';
import { useSpeech } from './context.tsx';

/** One plain line under the top bar while the spoken guide cannot speak: the patient reads the screen instead. */
export function VoiceNotice() {
  const { t } = useTranslation();
  const { unavailable } = useSpeech();
  if (!unavailable) return null;
  return (
    <p className="voice-notice" role="status" data-testid="voice-notice">
      {t('voice.unavailable')}
    </p>
  );
}
