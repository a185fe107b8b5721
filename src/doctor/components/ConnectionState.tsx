import { useTranslation } from 'react-i18next';
import type { RtcState } from '../call/call.ts';
import type { HubState } from '../hub/client.ts';

/** Hub, cabin presence and WebRTC link, in words and as data attributes for tests. */
export function ConnectionState({ hub, peer, rtc }: { hub: HubState; peer: boolean; rtc: RtcState }) {
  const { t } = useTranslation();
  const tone = (ok: boolean, bad: boolean) => (ok ? 'ok' : bad ? 'bad' : 'warn');
  return (
    <ul className="conn" data-testid="connection-state" data-hub={hub} data-peer={peer ? 'present' : 'absent'} data-rtc={rtc} role="status" aria-live="polite">
      <li className={`pill pill-${tone(hub === 'connected', hub === 'stopped')}`}>
        {t('hub.label')}: {t(`hub.${hub}`)}
      </li>
      <li className={`pill pill-${tone(peer, !peer)}`}>
        {t('peer.label')}: {t(peer ? 'peer.present' : 'peer.absent')}
      </li>
      <li className={`pill pill-${tone(rtc === 'connected', rtc === 'failed' || rtc === 'closed')}`}>
        {t('rtc.label')}: {t(`rtc.${rtc}`)}
      </li>
    </ul>
  );
}
