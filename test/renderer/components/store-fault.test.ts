import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { StoreFaultNotice } from '../../../src/renderer/assistant/StoreFaultNotice.tsx';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import type { SessionView } from '../../../src/shared/bridge.ts';

const render = (lang: 'fr' | 'en' | 'ar', fault: SessionView['storeFault']) =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(lang) }, createElement(StoreFaultNotice, { fault })));

describe("the assistant panel's full-disk notice", () => {
  it('says the disk is full and readings are not kept, in fr, en and ar, as an alert', () => {
    expect(render('fr', 'disk-full')).toContain('Le disque de la cabine est plein\u00a0: les mesures ne sont pas conservées.');
    expect(render('fr', 'disk-full')).toContain('role="alert"');
    expect(render('en', 'disk-full')).toContain('The cabin’s disk is full: readings are not being kept.');
    expect(render('ar', 'disk-full')).toContain('قرص المقصورة ممتلئ');
  });

  it('shows nothing when the store is fine', () => {
    expect(render('fr', null)).toBe('');
    expect(render('fr', undefined)).toBe('');
  });
});
