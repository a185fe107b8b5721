import { useTranslation } from 'react-i18next';
import type { MediaStatus } from '../media/open.ts';

type Role = 'camera' | 'otoscope' | 'stethoscope';

/** Which camera, otoscope and stethoscope were found, and whether the stethoscope's audio is raw. */
export function MediaReport({ status, onCheck }: { status: MediaStatus; onCheck(): void }) {
  const { t } = useTranslation();
  const line = (role: Role): string => {
    const found = role === 'stethoscope' ? status.stethoscope?.label : status[role];
    if (found !== undefined) return t('media.found', { label: found || '?' });
    return status.configured[role] || role === 'camera' ? t('media.missing') : t('media.notConfigured');
  };
  const steth = status.stethoscope;
  return (
    <div className="media-report" data-testid="media-report">
      {status.state === 'idle' && <p>{t('media.notChecked')}</p>}
      {status.state === 'checking' && <p>{t('media.checking')}</p>}
      {status.state === 'unavailable' && <p>{t('media.unavailable', { reason: status.reason ?? '' })}</p>}
      {status.state === 'ready' && (
        <ul>
          <li>
            {t('media.camera')} : {line('camera')}
          </li>
          <li>
            {t('media.otoscope')} : {line('otoscope')}
          </li>
          <li data-testid="stethoscope-status">
            {t('media.stethoscope')} : {line('stethoscope')}
            {steth && <> — {steth.processingOn.length === 0 ? t('media.raw') : t('media.filtered', { which: steth.processingOn.join(', ') })}</>}
          </li>
        </ul>
      )}
      <button type="button" className="btn btn-secondary" onClick={onCheck} disabled={status.state === 'checking'}>
        {t('assistant.check')}
      </button>
    </div>
  );
}
