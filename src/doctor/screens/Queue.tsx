import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { numberLocale } from '../../shared/language.ts';
import { useConsole, useController } from '../state/hooks.ts';

/** The live waiting queue (whole list on every hub `queue` message) with an Accept button per patient. */
export function Queue() {
  const { t, i18n } = useTranslation();
  const state = useConsole();
  const controller = useController();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const items = [...state.queue].sort((a, b) => a.since - b.since);
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
      <h2>{t('queue.title')}</h2>
      {err && (
        <p className="banner banner-warn" role="alert" data-testid="claim-error" data-code={err.code}>
          {err.code === 'already-claimed' || err.code === 'offline' ? t(`queue.error.${err.code}`) : t('queue.error.other', { message: err.message || err.code })}
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
                  <p>
                    {t('queue.since', {
                      time: new Date(item.since).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' }),
                      minutes: Math.max(0, Math.floor((now - item.since) / 60_000)),
                    })}
                  </p>
                  <p>{t('queue.language', { language: t(`patientLanguage.${item.language}`) })}</p>
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
