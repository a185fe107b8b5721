import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { BlePairing, type BlePanelState, type PairStep } from '../../../src/renderer/assistant/ble-pairing.ts';
import { BluetoothList } from '../../../src/renderer/assistant/BluetoothPanel.tsx';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import type { BleView } from '../../../src/shared/bridge.ts';
import type { Language } from '../../../src/shared/language.ts';

const CUFF = 'C0:11:22:33:44:55';
const SCALE = 'A0:00:00:00:00:01';
const VIEW: BleView = {
  scanning: true,
  nearby: [
    { address: CUFF, name: 'BLEsmart_0000', rssi: -65, services: ['1810'], driver: 'ble-blood-pressure', category: 'blood-pressure', pairing: 'just-works', pairingMode: { fr: 'Maintenez le bouton Bluetooth du tensiomètre jusqu’à voir «\u00a0-P-\u00a0».', en: 'Hold the Bluetooth button until "-P-" shows.' }, paired: false, assigned: false, seenAt: 1 },
    { address: 'E0:11:22:33:44:77', name: 'Galaxy Buds', rssi: -50, services: [], paired: false, assigned: false, seenAt: 1 },
  ],
  assigned: [{ address: SCALE, driver: 'ble-weight-scale', assignedAt: 1 }],
};

function render(step: PairStep, language: Language = 'fr', view: BleView = VIEW) {
  const state: BlePanelState = { open: true, view, step };
  const pairing = new BlePairing(async () => ({ ok: false, error: { code: 'unavailable', message: 'not in this test' } }));
  const html = renderToStaticMarkup(
    createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(BluetoothList, { state, pairing, categoryOf: (a) => (a === SCALE ? 'scale' : undefined), onClose: () => {} })),
  );
  // Tags out, entities decoded, ordinary spaces collapsed (French non-breaking ones kept).
  const text = html.replace(/<[^>]+>/g, ' ').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/[ \n\t]+/g, ' ');
  return { html, text };
}
const idle: PairStep = { kind: 'idle' };
const buttons = (html: string) => [...html.matchAll(/<button[^>]*data-testid="([^"]+)"/g)].map((m) => m[1]);
const row = (html: string, address: string) => new RegExp(`data-testid="ble-${address}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? '';

describe("the assistant's Bluetooth section", () => {
  it('lists each health device in words: category, name, signal bars, where it stands, and what can be done', () => {
    const { html, text } = render(idle);
    expect(text).toContain('Recherche des appareils de santé à proximité…');
    expect(row(html, CUFF)).toContain('Tensiomètre');
    expect(row(html, CUFF)).toContain('BLEsmart_0000');
    expect(row(html, CUFF)).toContain('Non appairé');
    expect(row(html, CUFF)).toContain('data-bars="3"');
    expect(row(html, CUFF)).toContain('aria-label="Signal\u00a0: 3 sur 4"');
    expect(buttons(row(html, CUFF))).toEqual(['ble-pair']);
    expect(row(html, CUFF)).toContain('>Appairer<');
    // The cabin's scale, not advertising now: its category from the device list, forget only.
    expect(row(html, SCALE)).toContain('Balance');
    expect(row(html, SCALE)).toContain('Appairé à cette cabine (pas à proximité)');
    expect(row(html, SCALE)).toContain('data-bars="unknown"');
    expect(buttons(row(html, SCALE))).toEqual(['ble-forget']);
    expect(row(html, SCALE)).toContain('Oublier cet appareil');
    // Never a way to wipe everything: one forget button per assigned device, nothing else.
    expect(buttons(html).filter((b) => /forget|wipe|all/.test(b!))).toEqual(['ble-forget']);
  });

  it('devices without a driver are behind a toggle, never with « Appairer »', () => {
    const { html, text } = render(idle);
    expect(text).not.toContain('Galaxy Buds');
    expect(text).toContain('Montrer les autres appareils (1)');
    expect(buttons(html)).toContain('ble-others-toggle');
  });

  it("the pairing-mode words are the driver's, in the panel's language, with « C’est fait : appairer »", () => {
    const step: PairStep = { kind: 'instructions', address: CUFF, driver: 'ble-blood-pressure' };
    const fr = render(step);
    expect(row(fr.html, CUFF)).toContain('Maintenez le bouton Bluetooth du tensiomètre jusqu’à voir «\u00a0-P-\u00a0».');
    expect(buttons(row(fr.html, CUFF))).toEqual(['ble-pair-now', 'ble-cancel']);
    expect(render(step, 'en').text).toContain('Hold the Bluetooth button until "-P-" shows.');
    // Arabic has none from the driver: French, marked as French.
    expect(row(render(step, 'ar').html, CUFF)).toMatch(/<p lang="fr">Maintenez/);
    // While pairing they stay in view, with the progress in words.
    const pairing = render({ ...step, kind: 'pairing' });
    expect(pairing.text).toContain('Appairage en cours… Gardez l’appareil près de la cabine.');
    expect(pairing.text).toContain('jusqu’à voir');
    // Other devices wait their turn.
    expect(row(pairing.html, SCALE)).toMatch(/<button[^>]*disabled=""[^>]*data-testid="ble-forget"/);
  });

  it('the passkey keypad: ten big digit keys, erase, and « Valider » once six digits are typed', () => {
    const typing = render({ kind: 'passkey', address: CUFF, driver: 'ble-blood-pressure', digits: '1234', refused: false });
    expect(typing.text).toContain('Tapez le code à 6 chiffres affiché sur l’appareil');
    expect(buttons(typing.html).filter((b) => /^ble-key-\d$/.test(b!))).toHaveLength(10);
    expect(typing.html).toMatch(/disabled=""[^>]*data-testid="ble-key-ok"/);
    expect([...typing.html.matchAll(/class="ble-digit is-filled">(\d)</g)].map((m) => m[1]).join('')).toBe('1234');
    const full = render({ kind: 'passkey', address: CUFF, driver: 'ble-blood-pressure', digits: '123456', refused: true });
    expect(full.html).not.toMatch(/disabled=""[^>]*data-testid="ble-key-ok"/);
    expect(full.text).toContain('Code refusé\u00a0: tapez le code affiché maintenant.');
  });

  it('failed: plain words, the detail as technical text (English), and a retry', () => {
    const { html, text } = render({ kind: 'failed', address: CUFF, driver: 'ble-blood-pressure', detail: 'org.bluez.Error.AuthenticationFailed' });
    expect(text).toContain('L’appairage n’a pas marché.');
    expect(html).toContain('Détail technique\u00a0:</span> <code lang="en" translate="no">org.bluez.Error.AuthenticationFailed</code>');
    expect(buttons(row(html, CUFF))).toEqual(['ble-retry', 'ble-cancel']);
    expect(render({ kind: 'paired', address: CUFF }).text).toContain('Appareil appairé à cette cabine.');
  });

  it('forget asks first, in words, with yes and no', () => {
    const { html, text } = render({ kind: 'confirm-forget', address: SCALE });
    expect(text).toContain('Oublier cet appareil\u202f?');
    expect(text).toContain('La cabine ne recevra plus ses mesures.');
    expect(buttons(row(html, SCALE))).toEqual(['ble-forget-yes', 'ble-forget-no']);
    expect(render({ kind: 'forgotten', address: SCALE }).text).toContain('Appareil oublié.');
    expect(render({ kind: 'confirm-forget', address: SCALE }, 'ar').text).toContain('نسيان هذا الجهاز؟');
  });

  it('says when nothing is found', () => {
    expect(render(idle, 'fr', { scanning: true, nearby: [], assigned: [] }).text).toContain('Aucun appareil de santé trouvé.');
    expect(render(idle, 'en', { scanning: false, nearby: [], assigned: [] }).text).toContain('Search stopped');
  });
});
