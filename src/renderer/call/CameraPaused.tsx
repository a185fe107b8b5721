import { useTranslation } from 'react-i18next';
import { useCall } from './context.tsx';

/**
 * The patient is told, in plain words, when their camera is paused because the link is too weak (bandwidth level
 * `minimal`): the doctor sees the same (« caméra du patient en pause ») and still hears them and gets the readings.
 */
export function CameraPaused() {
  const { t } = useTranslation();
  const { view, rtc, link } = useCall();
  if (view?.state !== 'active' || rtc !== 'connected' || link !== 'minimal') return null;
  return (
    <p className="camera-paused" role="status" aria-live="polite" data-testid="camera-paused">
      {t('call.cameraPaused')}
    </p>
  );
}
