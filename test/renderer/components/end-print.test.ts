import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import { EndPrintView, printViewSource, printWords } from '../../../src/renderer/screens/EndPrint.tsx';
import type { BridgeClient } from '../../../src/shared/bridge.ts';
import { selectPrompts } from '../../../src/shared/voice-pack.ts';
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
    expect(text(failed)).toBe('L’impression a échoué\u00a0: demandez à l’assistant. Réessayer l’impression');
    expect(failed).toContain('role="alert"');
    expect(failed).not.toContain('lp:');
  });

  it('in English and Arabic too', () => {
    expect(text(render({ state: 'printing' }, 'en'))).toBe('Your report is printing…');
    expect(text(render({ state: 'ready' }, 'ar'))).toBe('اطبع تقريري');
  });

  it('follows the job to the end: printed, the printer’s trouble and what the assistant must do, cancelled, still printing', () => {
    expect(text(render({ state: 'printed' }))).toBe('Votre compte rendu est imprimé\u00a0: n’oubliez pas de le prendre.');
    expect(render({ state: 'printed' })).toContain('role="status"');
    const noPaper = render({ state: 'printing', problem: 'paper' });
    expect(text(noPaper)).toBe('L’imprimante n’a plus de papier. Demandez à l’assistant\u00a0: votre compte rendu s’imprimera ensuite.');
    expect(noPaper).toContain('role="alert"');
    expect(noPaper).not.toContain('print-retry');
    const cancelled = render({ state: 'failed', problem: 'stopped', cancelled: true, reason: 'CabinPDF-3: held after 120 s (printer CabinPDF disabled): the job was cancelled' });
    expect(text(cancelled)).toBe('L’imprimante est arrêtée. L’impression est annulée\u00a0: demandez à l’assistant. Réessayer l’impression');
    expect(cancelled).not.toContain('CabinPDF');
    expect(text(render({ state: 'failed', problem: 'jam' }))).toBe('Le papier est coincé dans l’imprimante. L’impression a échoué\u00a0: demandez à l’assistant. Réessayer l’impression');
    expect(text(render({ state: 'printing', problem: 'offline' }))).toMatch(/^L’imprimante ne répond pas\. /);
    const still = render({ state: 'still-printing', reason: 'not completed after 120 s' });
    expect(text(still)).toBe('Votre compte rendu est toujours en cours d’impression\u00a0: demandez à l’assistant.');
    expect(still).not.toContain('print-retry');
  });

  it('every state’s words exist in French, English and Arabic, and are in the voice pack (said as shown)', () => {
    const views: PrintView[] = [
      { state: 'preparing' },
      { state: 'printing' },
      { state: 'printed' },
      { state: 'still-printing' },
      { state: 'failed' },
      ...(['paper', 'jam', 'offline', 'stopped'] as const).flatMap((problem): PrintView[] => [
        { state: 'printing', problem },
        { state: 'failed', problem, cancelled: true },
      ]),
    ];
    for (const lang of ['fr', 'en', 'ar'] as const) {
      const i18n = createI18n(lang);
      const spoken = new Set(selectPrompts(i18n.getResourceBundle(lang, 'translation')).map((p) => p.key));
      for (const v of views) {
        const keys = printWords(v);
        expect(keys.length, JSON.stringify(v)).toBeGreaterThan(0);
        for (const k of keys) {
          expect(i18n.exists(k), `${lang} ${k}`).toBe(true);
          expect(spoken.has(k), `${lang} ${k} spoken`).toBe(true);
        }
        expect(text(render(v, lang)), `${lang} ${JSON.stringify(v)}`).toContain(i18n.t(keys.at(-1)!));
      }
    }
    expect(text(render({ state: 'failed', problem: 'paper', cancelled: true }, 'en'))).toBe('The printer is out of paper. Printing was cancelled: ask the assistant. Try printing again');
    expect(text(render({ state: 'printed' }, 'ar'))).toBe('تمت طباعة تقريرك: لا تنسَ أخذه.');
    expect(printWords(null)).toEqual([]);
    expect(printWords({ state: 'ready' })).toEqual([]);
  });
});

describe('the end screen’s print view follows main (printViewSource)', () => {
  /** A bridge whose answers the test gives when it wants, and whose `print` events it sends. */
  function bridge() {
    const listeners = new Set<(v: PrintView) => void>();
    const questions: { name: string; answer: (v: PrintView) => void }[] = [];
    const client = {
      call: (name: string) => new Promise((resolve) => questions.push({ name, answer: (v) => resolve({ ok: true, value: v }) })),
      on: (_event: string, listener: (v: PrintView) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as BridgeClient;
    return { client, questions, send: (v: PrintView) => listeners.forEach((l) => l(v)), listeners };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('the answer to the press never takes the screen back from a newer « printing » event to « se prépare »', async () => {
    const b = bridge();
    const shown: PrintView[] = [];
    const source = printViewSource(b.client, (v) => shown.push(v));
    b.questions.shift()!.answer({ state: 'ready' });
    await tick();
    expect(shown).toEqual([{ state: 'ready' }]);
    source.print();
    expect(b.questions.map((q) => q.name)).toEqual(['print:report']);
    // Main's events overtake the answer: preparing, then the report given to lp.
    b.send({ state: 'preparing' });
    b.send({ state: 'printing' });
    b.questions.shift()!.answer({ state: 'preparing' });
    await tick();
    expect(shown.at(-1)).toEqual({ state: 'printing' });
    expect(printWords(shown.at(-1)!)).toEqual(['end.print.printing']);

    // With no event since the press, its answer is the news.
    source.print();
    b.questions.shift()!.answer({ state: 'preparing' });
    await tick();
    expect(shown.at(-1)).toEqual({ state: 'preparing' });
  });

  it('on arrival, an event newer than print:get’s answer wins too; after stop nothing is shown and the listener is gone', async () => {
    const b = bridge();
    const shown: PrintView[] = [];
    const source = printViewSource(b.client, (v) => shown.push(v));
    b.send({ state: 'printed' });
    b.questions.shift()!.answer({ state: 'printing' });
    await tick();
    expect(shown).toEqual([{ state: 'printed' }]);
    source.print();
    source.stop();
    b.questions.shift()!.answer({ state: 'failed' });
    await tick();
    expect(shown).toEqual([{ state: 'printed' }]);
    expect(b.listeners.size).toBe(0);
    source.print();
    expect(b.questions).toEqual([]);
  });
});
