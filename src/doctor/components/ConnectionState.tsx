import { useTranslation } from 'react-i18next';
import type { RtcState } from '../call/call.ts';
import type { HubState } from '../hub/client.ts';
import type { LinkLevel } from '../../shared/telemetry.ts';

/**
 * Hub, cabin presence and WebRTC link, in words and as data attributes for tests; when the cabin's uplink is weak,
 * why its camera is smaller or paused (the stethoscope and the readings are not affected). Presence undefined: not
 * known, the console's own connection to the hub being lost (or not answered since), never a stale « present ».
 */
export function ConnectionState({ hub, peer, rtc, cabinLink = 'full' }: { hub: HubState; peer: boolean | undefined; rtc: RtcState; cabinLink?: LinkLevel }) {
  const { t } = useTranslation();
  const tone = (ok: boolean, bad: boolean) => (ok ? 'ok' : bad ? 'bad' : 'warn');
  return (
    // The live region wraps the list (a list given role="status" would no longer be a list to a screen reader).
    <div data-testid="connection-state" data-hub={hub} data-peer={peer === undefined ? 'unknown' : peer ? 'present' : 'absent'} data-rtc={rtc} data-cabin-link={cabinLink} role="status" aria-live="polite">
      <ul className="conn">
        <li className={`pill pill-${tone(hub === 'connected', hub === 'stopped')}`}>
          {t('hub.label')}{t('app.colon')} {t(`hub.${hub}`)}
        </li>
        <li className={`pill pill-${peer === undefined ? 'warn' : tone(peer, !peer)}`}>
          {t('peer.label')}{t('app.colon')} {t(peer === undefined ? (hub === 'connected' ? 'peer.unknown' : 'peer.hubLost') : peer ? 'peer.present' : 'peer.absent')}
        </li>
        <li className={`pill pill-${tone(rtc === 'connected', rtc === 'failed' || rtc === 'closed')}`}>
          {t('rtc.label')}{t('app.colon')} {t(`rtc.${rtc}`)}
        </li>
        {cabinLink !== 'full' && (
          <li className={`pill pill-${cabinLink === 'minimal' ? 'bad' : 'warn'}`} data-testid="cabin-link">
            {t(`cabinLink.${cabinLink}`)}
          </li>
        )}
      </ul>
    </div>
  );
}
