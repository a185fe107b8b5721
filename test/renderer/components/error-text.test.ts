import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { ErrorBanner } from '../../../src/renderer/components/ErrorBanner.tsx';
import { PinError } from '../../../src/renderer/components/PinPad.tsx';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import type { BridgeError } from '../../../src/shared/bridge.ts';

const i18n = createI18n('fr');
const render = (el: ReactElement) => renderToStaticMarkup(createElement(I18nextProvider, { i18n }, el));
const text = (html: string) => html.replace(/<br\/?>/g, '\n').replace(/<[^>]+>/g, '');

const internal: BridgeError = { code: 'internal', message: 'SQLITE_BUSY: database is locked', incident: 'K7QX4M' };
const wrong: BridgeError = { code: 'wrong-pin', message: 'Wrong PIN.' };

describe('the patient-facing error texts', () => {
  it('the PIN pad shows an internal failure as the apology and its incident number, as the banner does', () => {
    const pad = text(render(createElement(PinError, { error: internal })));
    const banner = render(createElement(ErrorBanner, { error: internal, onClose: () => {} }));
    const incident = i18n.t('error.incident', { incident: 'K7QX4M' });
    expect(pad).toBe(`${i18n.t('bridgeError.internal')}\n${incident}`);
    expect(text(banner)).toContain(incident);
    // The exception text stays in the log.
    expect(pad).not.toContain('SQLITE');
  });

  it('shows a refusal without an incident as its sentence alone', () => {
    expect(text(render(createElement(PinError, { error: wrong })))).toBe('Code erroné.');
    expect(render(createElement(ErrorBanner, { error: wrong, onClose: () => {} }))).not.toContain('error-incident');
  });
});
