import { useTranslation } from 'react-i18next';
import type { MediaStatus } from '../media/open.ts';

type Role = 'camera' | 'otoscope' | 'stethoscope';

/** Which camera, otoscope and stethoscope were found, and whether the stethoscope's audio is raw. */
export function MediaReport({ status, onCheck }: { status: MediaStatus; onCheck(): void }) {
  const { t } = useTranslation();
  const state = (role: Role): string => {
    const found = role === 'stethoscope' ? status.stethoscope?.label : status[role];
    // The label is the hardware's own name (a model, for the assistant); a device without one is "unnamed".
    if (found !== undefined) return t('media.found', { label: found || t('media.unknownLabel') });
    return status.configured[role] || role === 'camera' ? t('media.missing') : t('media.notConfigured');
  };
  const line = (role: Role): string => t('media.line', { device: t(`media.${role}`), state: state(role) });
  const steth = status.stethoscope;
  const filters = steth?.processingOn.map((p) => t(`media.${p}`, { defaultValue: p })).join(', ');
  // The browser's own reason is English (or the system's language): shown only as a technical detail.
  const noApi = status.reason === 'no mediaDevices';
  return (
    <div className="media-report" data-testid="media-report">
      {status.state === 'idle' && <p>{t('media.notChecked')}</p>}
      {status.state === 'checking' && <p>{t('media.checking')}</p>}
      {status.state === 'unavailable' && (
        <>
          <p>{t('media.unavailable', { reason: noApi ? t('media.noMediaDevices') : t('media.failed') })}</p>
          {!noApi && status.reason && (
            <details className="device-technical">
              <summary>{t('deviceDetail.other')}</summary>
              <code lang="en" translate="no">
                {status.reason}
              </code>
            </details>
          )}
        </>
      )}
      {status.state === 'ready' && (
        <ul>
          <li>{line('camera')}</li>
          <li>{line('otoscope')}</li>
          <li data-testid="stethoscope-status">
            {line('stethoscope')}
            {steth && <> — {steth.processingOn.length === 0 ? t('media.raw') : t('media.filtered', { which: filters })}</>}
          </li>
        </ul>
      )}
      <button type="button" className="btn btn-secondary" onClick={onCheck} disabled={status.state === 'checking'}>
        {t('assistant.check')}
      </button>
    </div>
  );
}
