import { useTranslation } from 'react-i18next';
import { LANGUAGES, toLanguage } from '../../shared/language.ts';
import { useConsole, useController } from '../state/hooks.ts';

/** Title, language switch (always there), who is signed in, the hub connection and sign-out. */
export function Header() {
  const { t, i18n } = useTranslation();
  const state = useConsole();
  const controller = useController();
  const lang = toLanguage(i18n.language);
  return (
    <header className="header">
      <h1 className="header-title">{t('app.title')}</h1>
      {state.me && (
        <p className="header-me">
          {t('app.signedInAs', { name: state.me.name })} · {t('hub.label')}{t('app.colon')} <span className={`hub hub-${state.hub}`}>{t(`hub.${state.hub}`)}</span>
        </p>
      )}
      {state.me && state.queue.length > 0 && (
        <p className="queue-badge" data-testid="queue-badge" data-count={state.queue.length}>
          {t('alert.badge', { count: state.queue.length })}
        </p>
      )}
      <div className="lang" role="group" aria-label={t('lang.label')}>
        {LANGUAGES.map((l) => (
          <button key={l} type="button" className="btn btn-small" data-testid={`lang-${l}`} aria-pressed={lang === l} lang={l} onClick={() => void i18n.changeLanguage(l)}>
            {t(`lang.${l}`)}
          </button>
        ))}
      </div>
      {state.me && state.screen !== 'consultation' && (
        <button type="button" className="btn btn-small" data-testid="logout" onClick={() => void controller.logout()}>
          {t('app.logout')}
        </button>
      )}
    </header>
  );
}
