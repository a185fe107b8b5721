import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import type { ReceivedObservation } from '../../src/doctor/call/observations.ts';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import { Vitals } from '../../src/doctor/components/Vitals.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { Language } from '../../src/shared/language.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
/** The cabin's device clock runs 5 s behind this console's; a reading takes 50 ms to arrive. */
const OFFSET = 5000;
const reading = (id: string, code: MdcCode, value: number, measuredAt: number, receivedAt: number): ReceivedObservation =>
  ({ type: 'observation', id, deviceId: 'dev', code, value, unit: 'u', t: measuredAt - OFFSET, receivedAt }) as ReceivedObservation;
/** The doctor accepted the call at 100 s (console time). */
const ACCEPTED = 100_000;
const observations = [
  // Measured at 44 s, before the call; sent when the call opened, at 100 s: 56 s after it was taken.
  reading('t1', 'MDC_TEMP_BODY', 37.2, 44_000, ACCEPTED + 50),
  // Live during the call.
  reading('s1', 'MDC_PULS_OXIM_SAT_O2', 97, 110_000, 110_050),
  // Measured during the call at 120 s, held by a cut of the link, arrived 30 s late.
  reading('w1', 'MDC_MASS_BODY_ACTUAL', 72.4, 120_000, 150_050),
];
const render = (acceptedAt: number | undefined, language: Language = 'fr') =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(Vitals, { snap: { ...initialCallSnapshot(), observations }, acceptedAt })));
/** The words of one tile (up to the next tile's <div>). */
const tile = (html: string, key: string) => text(`<x ${html.split(`data-testid="vital-${key}"`)[1]!.split('<div')[0]!}`);

describe('readings taken before the doctor accepted the call', () => {
  it('are labelled « mesurée avant l’appel » with their device time, not « arrivée avec 56 s de retard »', () => {
    const html = render(ACCEPTED);
    expect(tile(html, 'temp')).toContain('mesurée avant l’appel');
    expect(tile(html, 'temp')).not.toContain('retard');
    expect(tile(html, 'temp')).toMatch(/à \d{2}:\d{2}:\d{2} · mesurée avant l’appel/);
    expect(html).toMatch(/data-testid="vital-temp-time"[^>]*data-late-ms="0" data-before-call="true"/);
    expect(tile(render(ACCEPTED, 'en'), 'temp')).toContain('measured before the call');
    expect(tile(render(ACCEPTED, 'ar'), 'temp')).toContain('قيست قبل المكالمة');
  });

  it('a reading that really arrived late during the call keeps its lateness; a live one has no mark', () => {
    const html = render(ACCEPTED);
    expect(tile(html, 'weight')).toContain('arrivée avec 30 s de retard');
    expect(tile(html, 'weight')).not.toContain('avant l’appel');
    expect(tile(html, 'spo2')).not.toMatch(/retard|avant/);
  });
});
