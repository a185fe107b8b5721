import { useTranslation } from 'react-i18next';
import type { QueueItem } from '../../shared/hub-protocol.ts';
import { numberLocale } from '../../shared/language.ts';
import { cabinOfflineText } from '../alert/cabin-offline.ts';
import { waitingText } from '../alert/waiting-text.ts';
import { NetCheckBadge } from '../components/NetCheckBadge.tsx';

export interface QueueEntryProps {
  item: QueueItem;
  /** ms, the console's clock for the waiting and offline times. */
  now: number;
  /** This patient's Accept was pressed, no answer yet. */
  claiming: boolean;
  /** Accept is not possible for any patient now (a claim in progress, the hub not connected). */
  blocked: boolean;
  onAccept: () => void;
}

/**
 * One waiting patient: cabin, waiting time, language, network check, and Accept. A cabin offline (it dropped, or the
 * hub restarted without it) says so in words and cannot be accepted until it comes back: the hub would refuse.
 */
export function QueueEntry({ item, now, claiming, blocked, onAccept }: QueueEntryProps) {
  const { t, i18n } = useTranslation();
  const offline = item.offlineSince !== undefined;
  const offlineId = `queue-offline-${item.consultationId}`;
  return (
    <li className={`queue-item card${offline ? ' queue-item-offline' : ''}`} data-testid="queue-item" data-consultation-id={item.consultationId} data-offline={offline || undefined}>
      <div className="queue-info">
        <p className="queue-cabin">{item.cabinName}</p>
        <p className="queue-waiting" data-testid="queue-waiting">
          {waitingText(t, item.since, now)}{' '}
          <span className="note">
            ({t('waiting.arrived', { time: new Date(item.since).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }) })})
          </span>
        </p>
        <p>{t('queue.language', { language: t(`patientLanguage.${item.language}`) })}</p>
        {item.offlineSince !== undefined && (
          <p className="queue-offline" id={offlineId} data-testid="queue-offline">
            {cabinOfflineText(t, item.offlineSince, now)}
          </p>
        )}
        {item.netcheck && <NetCheckBadge check={item.netcheck} />}
      </div>
      <button
        type="button"
        className="btn btn-primary btn-main"
        data-testid="queue-accept"
        disabled={blocked || offline}
        aria-describedby={offline ? offlineId : undefined}
        onClick={onAccept}
      >
        {claiming ? t('queue.accepting') : t('queue.accept')}
      </button>
    </li>
  );
}
