import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { askNotifyPermission, notifyPermission, type NotifyPermission } from '../alert/notify.ts';

/** The browser's notifications for arrivals: asked for by this button only (a click), never on load. */
export function NotifySwitch() {
  const { t } = useTranslation();
  const [permission, setPermission] = useState<NotifyPermission>(notifyPermission);
  if (permission === 'unsupported') return null;
  if (permission === 'granted') {
    return (
      <p className="note" data-testid="notify-state" data-permission="granted">
        {t('alert.enabled')}
      </p>
    );
  }
  if (permission === 'denied') {
    return (
      <p className="note" data-testid="notify-state" data-permission="denied">
        {t('alert.denied')}
      </p>
    );
  }
  return (
    <button type="button" className="btn btn-small notify-ask" data-testid="notify-ask" onClick={() => void askNotifyPermission().then(setPermission)}>
      {t('alert.enable')}
    </button>
  );
}
