import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConsole, useController } from '../state/hooks.ts';
import { nextMinuteIn } from '../alert/queue-watch.ts';
import { nextOfflineStepIn } from '../alert/cabin-offline.ts';
import { useFocusOnMount } from '../components/use-focus-on-mount.ts';
import { NotifySwitch } from '../components/NotifySwitch.tsx';
import { PastConsultations } from '../components/PastConsultations.tsx';
import { QueueEntry } from './QueueEntry.tsx';
import { claimErrorText } from './claim-error.ts';

/** The live waiting queue (whole list on every hub `queue` message) with an Accept button per patient. */
export function Queue() {
  const { t } = useTranslation();
  const state = useConsole();
  const controller = useController();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [now, setNow] = useState(() => Date.now());
  const items = [...state.queue].sort((a, b) => a.since - b.since);
  // The waiting times change at each whole minute of the patient who reaches it first; an offline cabin's time in steps.
  useEffect(() => {
    if (state.queue.length === 0) return;
    const t = Date.now();
    const due = state.queue.map((i) => Math.min(nextMinuteIn(i.since, t), i.offlineSince === undefined ? Infinity : nextOfflineStepIn(i.offlineSince, t)));
    const timer = setTimeout(() => setNow(Date.now()), Math.min(...due));
    return () => clearTimeout(timer);
  }, [now, state.queue]);
  const err = state.claimError;

  return (
    <section className="queue">
      {state.notice && (
        <p className={`banner ${state.notice === 'report-saved' ? 'banner-ok' : 'banner-warn'}`} role="status" data-testid={state.notice === 'report-saved' ? 'report-saved' : 'notice'} data-notice={state.notice}>
          {t(`notice.${state.notice}`)}
          <button type="button" className="btn btn-small" onClick={() => controller.dismissNotice()}>
            {t('notice.dismiss')}
          </button>
        </p>
      )}
      <h2 ref={heading} tabIndex={-1} data-testid="queue-title">
        {t('queue.title')}
      </h2>
      <NotifySwitch />
      {err && (
        <p className="banner banner-warn" role="alert" data-testid="claim-error" data-code={err.code}>
          {claimErrorText(t, err)}
        </p>
      )}
      {items.length === 0 ? (
        <p className="empty" data-testid="queue-empty">
          {t('queue.empty')}
        </p>
      ) : (
        <ul className="queue-list">
          {items.map((item) => (
            <QueueEntry
              key={item.consultationId}
              item={item}
              now={now}
              claiming={state.claiming === item.consultationId}
              blocked={state.claiming !== undefined || state.hub !== 'connected'}
              onAccept={() => controller.claim(item.consultationId)}
            />
          ))}
        </ul>
      )}
      <PastConsultations reload={state.notice} />
    </section>
  );
}
