import '../browser/zod-config.ts';
import { warmCarrier } from '../browser/carrier.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App.tsx';
import { BridgeProvider } from './bridge/context.tsx';
import { createBridge } from './bridge/index.ts';
import { createI18n } from './i18n/index.ts';
import { SpeechProvider } from './speech/context.tsx';
import { CabinProvider } from './state/cabin.tsx';
import './styles/base.css';
import './styles/screens.css';
import './styles/exam.css';
import './styles/overlays.css';
import './styles/call.css';

// The worker that carries readings in the voice starts now: a call may use it only once it runs (browser/carrier.ts).
warmCarrier();

const bridge = createBridge();
const i18n = createI18n('fr');
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');

createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <BridgeProvider bridge={bridge}>
        <CabinProvider>
          <SpeechProvider>
            <App />
          </SpeechProvider>
        </CabinProvider>
      </BridgeProvider>
    </I18nextProvider>
  </StrictMode>,
);
