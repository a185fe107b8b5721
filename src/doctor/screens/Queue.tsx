import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import { hubErrorText } from '../hub/hub-error.ts';
import { useConsole, useController } from '../state/hooks.ts';
import { nextMinuteIn } from '../alert/queue-watch.ts';
import { waitingText } from '../alert/waiting-text.ts';
import { useFocusOnMount } from '../components/use-focus-on-mount.ts';
import { NotifySwitch } from '../components/NotifySwitch.tsx';
import { NetCheckBadge } from '../components/NetCheckBadge.tsx';

/** The live waiting queue (whole list on every hub `queue` message) with an Accept button per patient. */
export function Queue() {
  const { t, i18n } = useTranslation();
  const state = useConsole();
  const controller = useController();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [now, setNow] = useState(() => Date.now());
  const items = [...state.queue].sort((a, b) => a.since - b.since);
  // The waiting times change at each whole minute of the patient who reaches it first.
  useEffect(() => {
    if (state.queue.length === 0) return;
    const t = Date.now();
    const timer = setTimeout(() => setNow(Date.now()), Math.min(...state.queue.map((i) => nextMinuteIn(i.since, t))));
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
          {err.code === 'already-claimed' || err.code === 'offline' || err.code === 'not-waiting' ? t(`queue.error.${err.code}`) : t('queue.error.other', { message: hubErrorText(t, err.code, err.message) })}
        </p>
      )}
      {items.length === 0 ? (
        <p className="empty" data-testid="queue-empty">
          {t('queue.empty')}
        </p>
      ) : (
        <ul className="queue-list">
          {items.map((item) => {
            const claiming = state.claiming === item.consultationId;
            return (
              <li key={item.consultationId} className="queue-item card" data-testid="queue-item" data-consultation-id={item.consultationId}>
                <div className="queue-info">
                  <p className="queue-cabin">{item.cabinName}</p>
                  <p className="queue-waiting" data-testid="queue-waiting">
                    {waitingText(t, item.since, now)}{' '}
                    <span className="note">
                      ({t('waiting.arrived', { time: new Date(item.since).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }) })})
                    </span>
                  </p>
                  <p>{t('queue.language', { language: t(`patientLanguage.${item.language}`) })}</p>
                  {item.netcheck && <NetCheckBadge check={item.netcheck} />}
                </div>
                <button
                  type="button"
                  className="btn btn-primary btn-main"
                  data-testid="queue-accept"
                  disabled={state.claiming !== undefined || state.hub !== 'connected'}
                  onClick={() => controller.claim(item.consultationId)}
                >
                  {claiming ? t('queue.accepting') : t('queue.accept')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
