import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { cabinOfflineText, nextOfflineStepIn, offlineFor } from '../../src/doctor/alert/cabin-offline.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { claimErrorText } from '../../src/doctor/screens/claim-error.ts';
import { QueueEntry } from '../../src/doctor/screens/QueueEntry.tsx';
import type { QueueItem } from '../../src/shared/hub-protocol.ts';
import type { Language } from '../../src/shared/language.ts';

const NOW = Date.UTC(2026, 11, 6, 9, 30);
const item: QueueItem = { consultationId: 'c1', cabinId: 'cab-1', cabinName: 'Cabine du marché', language: 'fr', since: NOW - 3 * 60_000 };
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const render = (language: Language, it: QueueItem, blocked = false) =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(QueueEntry, { item: it, now: NOW, claiming: false, blocked, onAccept: () => {} })));
const button = (html: string) => /<button[^>]*data-testid="queue-accept"[^>]*>/.exec(html)![0];

describe("the doctor's queue: a waiting patient whose cabin is offline", () => {
  it('says so in words, in each language, and its Accept button is disabled', () => {
    const away = { ...item, offlineSince: NOW - 42_000 };
    const fr = render('fr', away);
    expect(text(fr)).toContain('Cabine hors ligne depuis 40 s — elle peut revenir. Vous pourrez accepter ce patient à son retour.');
    expect(button(fr)).toMatch(/disabled=""/);
    expect(button(fr)).toContain('aria-describedby="queue-offline-c1"');
    expect(fr).toContain('data-offline="true"');
    expect(text(render('en', away))).toContain('Cabin offline for 40 s — it may come back. You can accept this patient when it does.');
    expect(text(render('ar', away))).toContain('الكابينة غير متصلة منذ 40 ثانية — قد تعود.');
    expect(text(render('fr', { ...item, offlineSince: NOW - 2 * 60_000 - 5_000 }))).toContain('Cabine hors ligne depuis 2 min — elle peut revenir.');
    expect(text(render('fr', { ...item, offlineSince: NOW + 800 }))).toContain('Cabine hors ligne depuis un instant');
  });

  it('an online cabin shows no such line and can be accepted (unless the console blocks every claim)', () => {
    const html = render('fr', item);
    expect(html).not.toContain('queue-offline');
    expect(text(html)).not.toContain('hors ligne');
    expect(button(html)).not.toMatch(/disabled/);
    expect(button(render('fr', item, true))).toMatch(/disabled=""/);
  });

  it('the offline time is shown in steps of 5 s, then minutes, and redrawn when the step changes', () => {
    expect(offlineFor(0, 4_999)).toEqual({ unit: 'moment' });
    expect(offlineFor(0, 5_000)).toEqual({ unit: 's', seconds: 5 });
    expect(offlineFor(0, 59_999)).toEqual({ unit: 's', seconds: 55 });
    expect(offlineFor(0, 61_000)).toEqual({ unit: 'min', minutes: 1 });
    expect(nextOfflineStepIn(0, 42_000)).toBe(3_000);
    expect(nextOfflineStepIn(0, 61_000)).toBe(59_000);
    expect(nextOfflineStepIn(0, 4_500)).toBe(1_000);
    const t = createI18n('en').t;
    expect(cabinOfflineText(t, 0, 10_000)).toBe('Cabin offline for 10 s — it may come back. You can accept this patient when it does.');
  });

  it("the hub's refusal of a claim for an offline cabin is said in words", () => {
    const err = { code: 'cabin-offline', message: "This patient's cabin is not connected: it may come back; try again when it does." };
    expect(claimErrorText(createI18n('fr').t, err)).toBe('La cabine de ce patient n’est pas connectée\u00a0: il ne peut pas être accepté maintenant. Elle peut revenir\u00a0; réessayez à son retour.');
    expect(claimErrorText(createI18n('en').t, err)).toBe('This patient’s cabin is not connected: they cannot be accepted now. It may come back; try again when it does.');
    expect(claimErrorText(createI18n('ar').t, err)).toBe('كابينة هذا المريض غير متصلة: لا يمكن قبوله الآن. قد تعود؛ حاول مرة أخرى عند عودتها.');
  });
});
