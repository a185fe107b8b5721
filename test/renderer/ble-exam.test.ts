import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { DeviceCard, linkKey } from '../../src/renderer/assistant/DeviceCard.tsx';
import { signalState } from '../../src/renderer/exam/signal.ts';
import { measureState, stepInstructionKey, stepValues } from '../../src/renderer/exam/step-values.ts';
import { examSteps, STEP_ORDER } from '../../src/renderer/exam/steps.ts';
import { formatMeasure, MEASURES } from '../../src/renderer/format/measures.ts';
import { visitSummary } from '../../src/renderer/format/summary.ts';
import { createI18n } from '../../src/renderer/i18n/index.ts';
import type { DeviceView, Reading } from '../../src/shared/bridge.ts';
import { TEMPERATURE_CODES, type MdcCode } from '../../src/shared/catalogue.ts';
import type { Language } from '../../src/shared/language.ts';

const ADDRESS = 'C0:11:22:33:44:55';
const bleCuff: DeviceView = {
  id: `ble-blood-pressure@ble:${ADDRESS}`, driver: 'ble-blood-pressure', name: 'Bluetooth blood pressure monitor', category: 'blood-pressure',
  transport: 'ble', path: `ble:${ADDRESS}`, address: ADDRESS, reason: 'assigned', commands: [], link: 'waiting',
};
const serialCuff: DeviceView = { ...bleCuff, id: 'a-and-d@/dev/ttyUSB0', transport: 'serial', path: '/dev/ttyUSB0', address: undefined, link: 'connected', commands: ['measure'] };

let n = 0;
const r = (code: MdcCode, value: number, deviceId: string, extra: Partial<Reading> = {}): Reading => ({
  id: `r${++n}`, deviceId, code, value, unit: 'x', t: 1_700_000_000_000 + n, measurementId: `m${n}`, ...extra,
});
const map = (...rs: Reading[]) => new Map(rs.map((x) => [x.code, x]));

function card(device: DeviceView, language: Language = 'fr') {
  const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(DeviceCard, { device, onCommand: () => {} })));
  return { html, visible: html.replace(/<details[\s\S]*?<\/details>/g, '').replace(/<[^>]+>/g, ' ') };
}

describe('a Bluetooth device on the assistant card', () => {
  it('says its link in words: waiting for a measurement, received, receiving', () => {
    const i18n = createI18n('fr');
    const words = (d: DeviceView) => i18n.t(linkKey(d));
    expect(words(bleCuff)).toBe('En attente d’une mesure');
    expect(words({ ...bleCuff, linkDetail: 'done' })).toBe('Mesure reçue');
    expect(words({ ...bleCuff, link: 'connected' })).toBe('Réception…');
    // A simulated BLE device is one too; a serial device connected is « Connecté ».
    expect(words({ ...bleCuff, transport: 'simulated', path: `sim-ble:${ADDRESS}`, link: 'connected' })).toBe('Réception…');
    expect(words(serialCuff)).toBe('Connecté');
    // A Bluetooth oximeter streams for as long as it is connected: connected, not « receiving ».
    expect(words({ ...bleCuff, category: 'oximeter', link: 'connected' })).toBe('Connecté');
    expect(card(bleCuff).html).toMatch(/class="pill pill-ok" data-testid="link-words">En attente d’une mesure</);
    // « done » is a state, not a system message: no technical detail for it.
    expect(card({ ...bleCuff, linkDetail: 'done' }).html).not.toContain('Détail technique');
    expect(card(bleCuff, 'en').visible).toContain('Waiting for a measurement');
    expect(card(bleCuff, 'ar').visible).toContain('في انتظار قياس');
  });

  it('shows its identity as a labelled technical detail and its Bluetooth address', () => {
    const { html, visible } = card({ ...bleCuff, identity: { manufacturer: 'OMRON HEALTHCARE', model: 'BP7150', serial: '2019-12345', firmware: '1.02' } });
    expect(html).toMatch(/<details class="device-technical" data-testid="identity"><summary>Identité de l’appareil<\/summary>/);
    expect(html).toContain('<dt>Modèle</dt><dd><code lang="en" translate="no">BP7150</code></dd>');
    expect(html).toContain('<dt>Numéro de série</dt><dd><code lang="en" translate="no">2019-12345</code></dd>');
    expect(html).toContain('<dt>Micrologiciel</dt><dd><code lang="en" translate="no">1.02</code></dd>');
    expect(visible).not.toContain('2019-12345');
    expect(visible).toContain(`Adresse Bluetooth\u00a0: ${ADDRESS}`);
    expect(card(bleCuff).html).not.toContain('data-testid="identity"');
    // The model is what the device said; a generic Bluetooth driver's name is no model (« Modèle : Bluetooth »).
    expect(visible).toContain('Modèle\u00a0: OMRON HEALTHCARE BP7150');
    expect(card(bleCuff).visible).not.toContain('Modèle');
  });

  it('counts the old readings it ignored, in each language’s plural', () => {
    expect(card({ ...bleCuff, oldIgnored: 2 }).visible).toContain('2 anciennes mesures ignorées');
    expect(card({ ...bleCuff, oldIgnored: 1 }).visible).toContain('1 ancienne mesure ignorée');
    expect(card({ ...bleCuff, oldIgnored: 1 }, 'en').visible).toContain('1 old reading ignored');
    expect(card({ ...bleCuff, oldIgnored: 5 }, 'en').visible).toContain('5 old readings ignored');
    expect(card({ ...bleCuff, oldIgnored: 2 }, 'ar').visible).toContain('تم تجاهل قياسين قديمين');
    expect(card({ ...bleCuff, oldIgnored: 0 }).html).not.toContain('old-ignored');
  });
});

describe('the exam step of a Bluetooth device', () => {
  it("'waiting' is normal: the patient is asked to measure, then told it is done", () => {
    expect(signalState(bleCuff, false)).toEqual({ signal: 'use-device', tone: 'busy' });
    expect(signalState({ ...bleCuff, linkDetail: 'done' }, true)).toEqual({ signal: 'done', tone: 'ok' });
    expect(signalState({ ...bleCuff, link: 'connected' }, false)).toEqual({ signal: 'receiving', tone: 'busy' });
    // Measuring on a connected cuff (its live cuff pressure) still reads as a measurement going on.
    expect(signalState({ ...bleCuff, link: 'connected', status: 'measuring' }, false).signal).toBe('measuring');
    expect(signalState(serialCuff, false)).toEqual({ signal: 'ready', tone: 'busy' });
    // A waiting device keeps its step (it is not unplugged).
    expect(examSteps([bleCuff]).map((s) => s.category)).toEqual(['blood-pressure']);
    const i18n = createI18n('fr');
    expect(i18n.t('signal.use-device')).toBe('En attente de votre mesure');
  });

  it("tells the patient to start the measurement on the device, in words the voice pack says", () => {
    const i18n = createI18n('fr');
    expect(stepInstructionKey('blood-pressure', bleCuff)).toBe('step.blood-pressure-ble.instruction');
    expect(i18n.t(stepInstructionKey('blood-pressure', bleCuff))).toContain('Appuyez sur le bouton START du brassard');
    expect(stepInstructionKey('blood-pressure', serialCuff)).toBe('step.blood-pressure.instruction');
    expect(i18n.t(stepInstructionKey('thermometer', { ...bleCuff, category: 'thermometer' }))).toContain('comme d’habitude');
    expect(i18n.t(stepInstructionKey('scale', { ...bleCuff, category: 'scale' }))).toContain('Montez sur la balance');
    // The voice pack says `step.*.instruction` (one key part for the star).
    for (const key of ['step.blood-pressure-ble.instruction', 'step.thermometer-ble.instruction', 'step.scale-ble.instruction']) expect(key.split('.')).toHaveLength(3);
  });
});

describe('temperature from any measurement site', () => {
  it('shows whichever temperature code the thermometer sent, the latest when several came', () => {
    const [temp] = MEASURES.thermometer;
    for (const code of TEMPERATURE_CODES) expect(formatMeasure(temp!, map(r(code, 37.64, 't')), 'fr'), code).toBe('37,6');
    const ear = r('MDC_TEMP_EAR', 37.2, 't');
    const body = r('MDC_TEMP_BODY', 36.8, 't', { t: ear.t - 60_000 });
    expect(formatMeasure(temp!, map(body, ear), 'fr')).toBe('37,2');
    expect(stepValues('thermometer', map(ear), 't', 'fr').main.text).toBe('37,2');
    expect(visitSummary(map(ear), 'en').map((row) => [row.measure.id, row.text])).toEqual([['temperature', '37.2']]);
  });

  it('a measurement taken on the step counts whatever its site code', () => {
    const ear = r('MDC_TEMP_EAR', 37.2, 't');
    expect(measureState('thermometer', map(ear), 't', new Set())).toBe('taken');
    expect(measureState('thermometer', map(ear), 't', new Set([ear.id]))).toBe('none');
    expect(measureState('thermometer', map(ear), 'other', new Set())).toBe('none');
  });

  it('the device’s decimals never add digits: 37.60 °C stays 37,6 for the patient, a whole 37 stays 37', () => {
    const [temp] = MEASURES.thermometer;
    expect(formatMeasure(temp!, map(r('MDC_TEMP_TYMP', 37.6, 't', { decimals: 2 })), 'fr')).toBe('37,6');
    expect(formatMeasure(temp!, map(r('MDC_TEMP_TYMP', 37, 't', { decimals: 0 })), 'fr')).toBe('37');
    const [weight] = MEASURES.scale;
    expect(formatMeasure(weight!, map(r('MDC_MASS_BODY_ACTUAL', 72.35, 's', { decimals: 2 })), 'fr')).toBe('72,4');
  });
});

describe('the glucometer step', () => {
  it('comes after the scale, before the otoscope', () => {
    expect(STEP_ORDER).toEqual(['oximeter', 'blood-pressure', 'thermometer', 'scale', 'glucometer', 'otoscope']);
    const meter: DeviceView = { ...bleCuff, id: 'ble-glucose@ble:x', driver: 'ble-glucose', category: 'glucometer' };
    expect(examSteps([meter, { ...serialCuff, category: 'scale', id: 's' }]).map((s) => s.category)).toEqual(['scale', 'glucometer']);
  });

  it('shows mg/dL big and g/L small, as French meters write it (two decimals)', () => {
    const v = stepValues('glucometer', map(r('MDC_CONC_GLU_CAPILLARY_PLASMA', 120, 'g')), 'g', 'fr');
    expect([v.main.measure.id, v.main.text, v.main.measure.unit]).toEqual(['glucose', '120', 'mg/dL']);
    expect(v.minor.map((m) => [m.measure.id, m.text, m.measure.unit])).toEqual([['glucose-gl', '1,20', 'g/L']]);
    expect(stepValues('glucometer', map(r('MDC_CONC_GLU_GEN', 95, 'g')), 'g', 'en').minor[0]?.text).toBe('0.95');
    expect(stepValues('glucometer', map(r('MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', 87.4, 'g', { decimals: 1 })), 'g', 'fr').main.text).toBe('87');
    const i18n = createI18n('fr');
    expect(`${v.minor[0]!.text}\u00a0${i18n.t('unit.g/L')}`).toBe('1,20\u00a0g/L');
  });

  it('tells the patient to prick the side of the finger and touch the strip with the drop', () => {
    const fr = createI18n('fr');
    expect(fr.t('step.glucometer.title')).toBe('Le sucre dans le sang');
    expect(fr.t('step.glucometer.instruction')).toMatch(/Piquez le côté du bout du doigt.*Touchez le bout de la bandelette avec la goutte de sang/);
    expect(createI18n('ar').t('step.glucometer.instruction')).toMatch(/[\u0600-\u06ff]/);
    expect(fr.t('category.glucometer')).toBe('Lecteur de glycémie');
  });
});
