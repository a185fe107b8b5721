import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import { EndPrintView } from '../../../src/renderer/screens/EndPrint.tsx';
import type { PrintView } from '../../../src/shared/print.ts';

const render = (view: PrintView | null, lang: 'fr' | 'en' | 'ar' = 'fr') =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(lang) }, createElement(EndPrintView, { view, onPrint: () => undefined })));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \n\t]+/g, ' ').trim();

describe('the end screen’s print (EndPrintView)', () => {
  it('nothing without a printer or a report to print', () => {
    expect(render(null)).toBe('');
    expect(render({ state: 'off' })).toBe('');
    expect(render({ state: 'none' })).toBe('');
  });

  it('the big button, then what happens, in plain French words (never lp’s message)', () => {
    expect(render({ state: 'ready' })).toContain('data-testid="print-report"');
    expect(text(render({ state: 'ready' }))).toBe('Imprimer mon compte rendu');
    expect(text(render({ state: 'preparing' }))).toBe('Votre compte rendu se prépare…');
    expect(text(render({ state: 'printing' }))).toBe('Votre compte rendu s’imprime…');
    const failed = render({ state: 'failed', reason: 'the printer refused it: lp: The printer or class does not exist.' });
    expect(text(failed)).toBe('L’impression n’a pas marché\u00a0: demandez à l’assistant. Réessayer l’impression');
    expect(failed).toContain('role="alert"');
    expect(failed).not.toContain('lp:');
  });

  it('in English and Arabic too', () => {
    expect(text(render({ state: 'printing' }, 'en'))).toBe('Your report is printing…');
    expect(text(render({ state: 'ready' }, 'ar'))).toBe('اطبع تقريري');
  });
});
