import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { applyDocumentLanguage } from '../browser/i18n.ts';
import { useQueueAlerts } from './alert/use-queue-alerts.ts';
import { Header } from './components/Header.tsx';
import { Consultation } from './screens/Consultation.tsx';
import { Login } from './screens/Login.tsx';
import { PastReport } from './screens/PastReport.tsx';
import { Queue } from './screens/Queue.tsx';
import { useConsole } from './state/hooks.ts';

export function App() {
  const state = useConsole();
  const { t, i18n } = useTranslation();
  useEffect(() => {
    applyDocumentLanguage(document.documentElement, i18n.language);
  }, [i18n.language]);
  useQueueAlerts();
  return (
    <div className={`app app-${state.screen}`}>
      <Header />
      <main className={`main main-${state.screen}`}>
        {state.screen === 'restoring' && (
          <p className="restoring card" role="status" aria-live="polite" data-testid="restoring">
            {t('restore.connecting')}
          </p>
        )}
        {state.screen === 'login' && <Login notice={state.notice} />}
        {state.screen === 'queue' && <Queue />}
        {state.screen === 'report' && state.pastReport && <PastReport key={state.pastReport.consultationId} past={state.pastReport} />}
        {state.screen === 'consultation' && state.consultation && state.call && (
          <Consultation key={state.consultation.consultationId} consultation={state.consultation} call={state.call} hub={state.hub} presenceKnown={state.presenceKnown} ending={state.ending} endError={state.endError} />
        )}
      </main>
    </div>
  );
}
