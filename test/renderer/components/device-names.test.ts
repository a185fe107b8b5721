import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../../../drivers/index.ts';
import { flattenKeys } from '../../../src/browser/i18n.ts';
import { detailText } from '../../../src/browser/device-detail.ts';
import { modelOf } from '../../../src/browser/device-name.ts';
import { TRANSLATIONS as CONSOLE } from '../../../src/doctor/i18n/index.ts';
import { DeviceCard } from '../../../src/renderer/assistant/DeviceCard.tsx';
import { MediaReport } from '../../../src/renderer/assistant/MediaReport.tsx';
import type { MediaStatus } from '../../../src/renderer/media/open.ts';
import { createI18n, TRANSLATIONS as KIOSK } from '../../../src/renderer/i18n/index.ts';
import type { DeviceView } from '../../../src/shared/bridge.ts';
import { LANGUAGES, type Language } from '../../../src/shared/language.ts';

const sureTemp: DeviceView = {
  id: 'welchallyn-suretemp@/dev/ttyUSB0',
  driver: 'welchallyn-suretemp',
  name: 'Welch Allyn SureTemp Plus thermometer module',
  category: 'thermometer',
  transport: 'serial',
  path: '/dev/ttyUSB0',
  reason: 'configured',
  commands: ['monitor-mode', 'predict-mode'],
  link: 'connected',
  status: 'error',
  detail: 'device-error-3',
};

function card(device: DeviceView, language: Language = 'fr') {
  const i18n = createI18n(language);
  const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(DeviceCard, { device, onCommand: () => {} })));
  // What the assistant reads without opening the technical detail.
  const visible = html.replace(/<details[\s\S]*?<\/details>/g, '').replace(/<[^>]+>/g, ' ');
  return { html, visible };
}

describe('devices are named in words, never by their identifiers', () => {
  it('every command and category of every driver has its words in both apps and every language', () => {
    for (const l of LANGUAGES) {
      const kiosk = flattenKeys(KIOSK[l]);
      const console = flattenKeys(CONSOLE[l]);
      for (const d of DRIVERS) {
        expect(kiosk.has(`category.${d.manifest.category}`), `${l}: kiosk category ${d.manifest.category}`).toBe(true);
        expect(kiosk.has(`step.${d.manifest.category}.title`), `${l}: step ${d.manifest.category}`).toBe(true);
        expect(console.has(`deviceCategory.${d.manifest.category}`), `${l}: console category ${d.manifest.category}`).toBe(true);
        for (const c of Object.keys(d.link.commands)) {
          expect(kiosk.has(`command.${c}`), `${l}: kiosk command ${c} (${d.manifest.id})`).toBe(true);
          expect(console.has(`command.${c}`), `${l}: console command ${c} (${d.manifest.id})`).toBe(true);
        }
      }
    }
  });

  it('the assistant’s card: the category and the model, commands and details in French, no raw id', () => {
    const { visible } = card(sureTemp);
    expect(visible).toContain('Thermomètre');
    expect(visible).toContain('Welch Allyn SureTemp Plus');
    expect(visible).toContain('Mode continu');
    expect(visible).toContain('Mode prédictif');
    expect(visible).toContain('erreur de l’appareil (code 3)');
    for (const raw of ['monitor-mode', 'predict-mode', 'device-error', 'thermometer module', 'welchallyn']) expect(visible).not.toContain(raw);
  });

  it('a system message stays behind a « Détail technique » the assistant can open, marked as English', () => {
    const { html, visible } = card({ ...sureTemp, link: 'error', linkDetail: "Error: ENOENT: no such file or directory, open '/dev/ttyUSB0'" });
    expect(visible).not.toContain('ENOENT');
    expect(html).toMatch(/<details[^>]*><summary>Détail technique<\/summary><code lang="en" translate="no">Error: ENOENT/);
  });

  it('an oximeter is a pulse oximeter for the patient, an unknown category a measuring device', () => {
    const masimo: DeviceView = { ...sureTemp, id: 'm', driver: 'masimo-ascii', name: 'Masimo pulse oximeter (ASCII 1 serial output)', category: 'oximeter', commands: [], status: 'probe-off', detail: 'no-sensor' };
    expect(card(masimo).visible).toContain('Oxymètre de pouls');
    expect(card(masimo).visible).toContain('capteur non branché');
    expect(card({ ...masimo, category: 'spirometer' }).visible).toContain('Appareil de mesure');
    expect(card({ ...masimo, category: 'spirometer' }).visible).not.toContain('spirometer');
    expect(card(masimo, 'ar').visible).toContain('المستشعر غير موصول');
  });
});

describe('detailText', () => {
  const t = createI18n('fr').t;
  it('translates a known detail, one with a device code, and leaves free text raw behind a label', () => {
    expect(detailText(t, 'finger-out')).toEqual({ text: 'doigt hors du capteur' });
    expect(detailText(t, 'disconnect-2')).toEqual({ text: 'déconnexion signalée par l’appareil (code 2)' });
    expect(detailText(t, 'measurement-status-12')).toEqual({ text: 'mesure d’impédance échouée (code 12)' });
    expect(detailText(t, 'No data from X for 30 s')).toEqual({ text: 'Détail technique', raw: 'No data from X for 30 s' });
    expect(detailText(t, 'brand-new-detail')).toEqual({ text: 'Détail technique', raw: 'brand-new-detail' });
  });

  it('modelOf keeps the brand and model of a driver’s name', () => {
    expect(modelOf('Omron HEM-790IT / HEM-7080IT blood-pressure monitor (USB HID)')).toBe('Omron HEM-790IT / HEM-7080IT');
    expect(modelOf('Tanita scale (tag,value CSV output)')).toBe('Tanita');
  });
});

describe('the assistant’s media report', () => {
  const report = (status: MediaStatus, language: Language = 'fr') => {
    const i18n = createI18n(language);
    const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(MediaReport, { status, onCheck: () => {} })));
    return { html, visible: html.replace(/<details[\s\S]*?<\/details>/g, '').replace(/<[^>]+>/g, ' ') };
  };

  it('says which processing is left on in words, with French spacing before the colon', () => {
    const { visible } = report({ state: 'ready', configured: { stethoscope: 'USB Audio' }, camera: 'HD Webcam', stethoscope: { label: 'USB Audio', processingOn: ['echoCancellation', 'autoGainControl'] } });
    expect(visible).toContain('Stéthoscope\u00a0: trouvé\u00a0: USB Audio');
    expect(visible).toContain('annulation d’écho, réglage automatique du volume');
    expect(visible).not.toMatch(/echoCancellation|autoGainControl| : /);
  });

  it('tells why the media are unavailable in French; the browser’s English only as a technical detail', () => {
    expect(report({ state: 'unavailable', configured: {}, reason: 'no mediaDevices' }).visible).toContain('ce navigateur ne donne pas accès');
    const failed = report({ state: 'unavailable', configured: {}, reason: 'NotAllowedError: Permission denied' });
    expect(failed.visible).not.toContain('Permission denied');
    expect(failed.html).toContain('<code lang="en" translate="no">NotAllowedError: Permission denied</code>');
  });
});
