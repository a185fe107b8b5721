import '../browser/zod-config.ts';
import 'webrtc-adapter';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App.tsx';
import { toLanguage } from '../shared/language.ts';
import { createI18n } from './i18n/index.ts';
import { ConsoleController } from './state/console.ts';
import { ControllerContext } from './state/hooks.ts';
import './styles.css';

const i18n = createI18n(toLanguage(navigator.language));
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
