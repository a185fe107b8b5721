import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { ConfirmEnd } from '../../src/renderer/components/ConfirmEnd.tsx';
import { HelpButton } from '../../src/renderer/components/HelpButton.tsx';
import { playChime } from '../../src/renderer/components/chime.ts';
import { createI18n } from '../../src/renderer/i18n/index.ts';
import { CHIME_EVERY_MS, chimeDue, endNeedsConfirm, helpOffered } from '../../src/renderer/state/visit-end.ts';
import { CallStateSchema, PhaseSchema, type CallView } from '../../src/shared/bridge.ts';
import type { Language } from '../../src/shared/language.ts';

const call = (state: CallView['state']): CallView => ({ state, consultationId: 'c1', doctorName: 'Dr M', peerPresent: state === 'active', polite: false, iceServers: [], error: null });
const render = (language: Language, el: ReturnType<typeof createElement>) => renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, el));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n]+/g, ' ').trim();

describe('ending the visit during a call', () => {
  it('asks first only while a doctor has the consultation (today: one tap hung up on the doctor)', () => {
    for (const state of CallStateSchema.options) expect(endNeedsConfirm(call(state))).toBe(state === 'active');
    expect(endNeedsConfirm(null)).toBe(false);
  });

  it('asks in plain words with two big answers, No first and focused', () => {
    const html = render('fr', createElement(ConfirmEnd, { onYes: () => {}, onNo: () => {} }));
    expect(text(html)).toContain('Terminer la consultation avec le médecin\u202f?');
    expect(html).toMatch(/role="alertdialog"/);
    const no = html.indexOf('confirm-end-no');
    expect(no).toBeGreaterThan(0);
    expect(no).toBeLessThan(html.indexOf('confirm-end-yes'));
    expect(html).toMatch(/btn-huge[^>]*autofocus|autofocus[^>]*btn-huge/i);
    expect(text(render('en', createElement(ConfirmEnd, { onYes: () => {}, onNo: () => {} })))).toContain('End the consultation with the doctor?');
  });
});

describe('the patient’s call for the assistant', () => {
  it('is offered through the whole visit, not on the welcome or while the cabin waits for cleaning', () => {
    expect(PhaseSchema.options.filter(helpOffered)).toEqual(['consent', 'exam', 'end']);
  });

  it('shows the button, then tells the patient the assistant is told and the room that the patient calls', () => {
    const idle = render('fr', createElement(HelpButton, { help: null, onCall: () => {} }));
    expect(text(idle)).toContain('Appeler l’assistant');
    const called = render('fr', createElement(HelpButton, { help: { at: 1 }, onCall: () => {} }));
    expect(text(called)).toContain('L’assistant est prévenu.');
    expect(text(called)).toContain('Votre code arrête l’appel.');
    // No button on the patient's screen that cancels the call (a patient could press it by mistake).
    expect(called).not.toMatch(/<button/);
    expect(called).toMatch(/role="alert"/);
    expect(called).not.toContain('data-testid="help-call"');
  });

  it('rings when the patient calls, then again every 30 s until answered; a new call rings at once', () => {
    expect(chimeDue(null, null, 5_000)).toBe(false);
    expect(chimeDue(1_000, null, 1_000)).toBe(true);
    expect(chimeDue(1_000, 1_000, 1_000 + CHIME_EVERY_MS - 1)).toBe(false);
    expect(chimeDue(1_000, 1_000, 1_000 + CHIME_EVERY_MS)).toBe(true);
    expect(chimeDue(50_000, 40_000, 50_000)).toBe(true); // answered, then called again
  });

  it('the chime is three notes made with WebAudio, no file; no WebAudio is not an error', () => {
    const started: number[] = [];
    const param = () => ({ value: 0, setValueAtTime() {}, exponentialRampToValueAtTime() {} });
    const node = () => ({ connect: (n: unknown) => n });
    const ctx = {
      state: 'running',
      currentTime: 0,
      destination: {},
      createOscillator: () => ({ ...node(), type: '', frequency: param(), start: (at: number) => started.push(at), stop() {} }),
      createGain: () => ({ ...node(), gain: param() }),
    };
    expect(playChime(() => ctx as unknown as AudioContext)).toBe(true);
    expect(started).toHaveLength(3);
  });
});
