import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyDocumentLanguage } from '../browser/i18n.ts';
import type { BridgeError } from '../shared/bridge.ts';
import { AssistantPanel } from './assistant/AssistantPanel.tsx';
import { BridgeLost } from './bridge/BridgeLost.tsx';
import { useBridgeLink } from './bridge/use-link.ts';
import { CallProvider } from './call/context.tsx';
import { AssistantButton } from './components/AssistantButton.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { HelpButton } from './components/HelpButton.tsx';
import { IdlePrompt } from './components/IdlePrompt.tsx';
import { PinPad } from './components/PinPad.tsx';
import { MediaProvider } from './media/context.tsx';
import { NetCheckAuto } from './netcheck/NetCheckAuto.tsx';
import { Cleaning } from './screens/Cleaning.tsx';
import { Connecting } from './screens/Connecting.tsx';
import { Consent } from './screens/Consent.tsx';
import { End } from './screens/End.tsx';
import { Exam } from './screens/Exam.tsx';
import { Welcome } from './screens/Welcome.tsx';
import { VoiceNotice } from './speech/VoiceNotice.tsx';
import { useActivity } from './state/use-activity.ts';
import { useCabin } from './state/cabin.tsx';
import { helpOffered } from './state/visit-end.ts';

const SCREENS = { welcome: Welcome, consent: Consent, exam: Exam, end: End, cleaning: Cleaning } as const;

/** The kiosk: the screen of the session's phase, and over it the assistant's door and the prompts. */
export function App() {
  const { t, i18n } = useTranslation();
  const { session, failures, config, error, dismissError, act } = useCabin();
  const [pinOpen, setPinOpen] = useState(false);
  // Cabin main out of reach (browser mode): said across the top; past the grace, no camera, no call (CallProvider).
  const link = useBridgeLink();
  const phase = session?.phase;

  useEffect(() => {
    if (session && i18n.language !== session.language) void i18n.changeLanguage(session.language);
  }, [session, i18n]);
  useEffect(() => {
    applyDocumentLanguage(document.documentElement, i18n.language);
    document.title = t('app.name');
  });
  useActivity(phase, () => void act('session:activity', {}, { quiet: true }));

  if (!session || link.state === 'refused') return <Connecting failures={failures} refused={link.state === 'refused'} />;
  const Screen = SCREENS[session.phase];
  const unlock = async (pin: string): Promise<BridgeError | undefined> => {
    const r = await act('assistant:unlock', { pin }, { quiet: true });
    if (!r.ok) return r.error;
    setPinOpen(false);
    return undefined;
  };

  return (
    <MediaProvider active={session.phase === 'exam' && !link.gone} labels={config?.media}>
      <CallProvider>
        <NetCheckAuto phase={session.phase} />
        <div className="kiosk" data-phase={session.phase} data-bridge={link.state}>
          <BridgeLost link={link} />
          <header className="topbar">
            <span className="cabin-name">{t('app.name')}</span>
            {helpOffered(session.phase) && (
              <HelpButton help={session.help ?? null} onCall={() => void act('session:help', {})} />
            )}
            {!session.assistant && <AssistantButton onClick={() => setPinOpen(true)} />}
          </header>
          <VoiceNotice />
          <main className="content">
            <Screen />
          </main>
          {pinOpen && !session.assistant && <PinPad onSubmit={unlock} onCancel={() => setPinOpen(false)} />}
          {session.assistant && <AssistantPanel />}
          {session.idleWarning && !session.assistant && (
            <IdlePrompt secondsLeft={session.idleWarning.secondsLeft} onYes={() => void act('session:activity', {})} />
          )}
          {error && <ErrorBanner error={error} onClose={dismissError} />}
        </div>
      </CallProvider>
    </MediaProvider>
  );
}
