import '../browser/zod-config.ts';
import { warmCarrier } from '../browser/carrier.ts';
import 'webrtc-adapter';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App.tsx';
import { chosenLanguage, createI18n, rememberLanguage } from './i18n/index.ts';
import { browserStorage } from './state/browser.ts';
import { ConsoleController } from './state/console.ts';
import { ControllerContext } from './state/hooks.ts';
import './styles.css';

// The worker that carries readings in the voice starts now: a call may use it only once it runs (browser/carrier.ts).
warmCarrier();

// The doctor's own choice, French first: not the browser's language (often English on a French doctor's computer).
const storage = browserStorage();
const i18n = createI18n(chosenLanguage(storage));
rememberLanguage(i18n, storage);
const controller = new ConsoleController(location);
// Before the first render: a session to restore shows "connecting…", never a flash of the login form.
void controller.restore();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');

createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <ControllerContext.Provider value={controller}>
        <App />
      </ControllerContext.Provider>
    </I18nextProvider>
  </StrictMode>,
);
