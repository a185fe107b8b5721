import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/doctor/call/call.ts';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import type { ReceivedObservation } from '../../src/doctor/call/observations.ts';
import type { DeviceStatusView } from '../../src/doctor/call/vitals.ts';
import { Devices } from '../../src/doctor/components/Devices.tsx';
import { Vitals } from '../../src/doctor/components/Vitals.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import type { Language } from '../../src/shared/language.ts';
import type { CallDevice } from '../../src/shared/telemetry.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const T0 = 1_700_000_000_000;
let n = 0;
const reading = (code: MdcCode, value: number, unit: string, extra: Partial<ReceivedObservation> = {}): ReceivedObservation => ({
  type: 'observation', id: `r${++n}`, deviceId: 'dev', code, value, unit, t: T0, receivedAt: T0 + 50, ...extra,
});
type Snap = ReturnType<typeof initialCallSnapshot>;
const render = (observations: ReceivedObservation[], language: Language = 'fr', more: Partial<Snap> = {}) =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(Vitals, { snap: { ...initialCallSnapshot(), observations, ...more } })));
/** One tile's HTML (up to the next tile). */
const tileHtml = (html: string, key: string) => {
  const part = html.split(`data-testid="vital-${key}"`)[1];
  return part === undefined ? undefined : `<x ${part.split('class="tile card')[0]!}`;
};
const tile = (html: string, key: string) => text(tileHtml(html, key) ?? '');

const cuff = (language: Language = 'fr') => {
  const m = { measurementId: 'm1', deviceId: 'cuff', flags: ['irregular-pulse' as const, 'movement' as const, 'from-storage' as const], deviceClock: { state: 'skewed' as const, offsetMs: -12 * 60_000 - 10_000 } };
  return render([
    reading('MDC_PRESS_BLD_NONINV_SYS', 142, 'mm[Hg]', { ...m, reported: { value: 18.9, unit: 'kPa', decimals: 1 } }),
    reading('MDC_PRESS_BLD_NONINV_DIA', 80, 'mm[Hg]', { ...m, reported: { value: 10.7, unit: 'kPa', decimals: 1 } }),
  ], language);
};

describe('a vitals tile with what the device said (issue 12)', () => {
  it('blood pressure: flags as short words, warnings in their tone first, the device clock discreetly, the kPa it showed', () => {
    const html = tileHtml(cuff(), 'bp')!;
    const words = tile(cuff(), 'bp');
    expect(words).toContain('142/80 mmHg');
    expect(words).toContain('18,9/10,7 kPa sur l’appareil');
    expect(words).toMatch(/Mouvement pendant la mesure.*Pouls irrégulier.*Lue dans la mémoire de l’appareil/);
    expect(html).toMatch(/class="flag flag-warn" data-flag="movement" data-warn="true"/);
    expect(html).toMatch(/class="flag flag-warn" data-flag="irregular-pulse" data-warn="true"/);
    expect(html).toMatch(/class="flag flag-info" data-flag="from-storage" data-warn="false"/);
    expect(html).toMatch(/data-testid="vital-bp-clock" data-clock="skewed" title="L’heure affichée a été corrigée de ce décalage, mais elle peut être inexacte.">Horloge de l’appareil décalée de 12\u00a0min</);
    expect(html).toContain('data-flags="movement irregular-pulse from-storage"');
    // A screen reader hears the warnings with the value, not the other flags.
    const live = text(cuff().split('data-testid="vitals-live">')[1]!.split('</p>')[0]!);
    expect(live).toBe('Tension artérielle : 142/80 mmHg, Mouvement pendant la mesure, Pouls irrégulier');
    const en = tile(cuff('en'), 'bp');
    expect(en).toContain('18.9/10.7 kPa on the device');
    expect(en).toContain('Irregular pulse');
    expect(en).toContain('Device clock off by 12 min');
    expect(tile(cuff('ar'), 'bp')).toContain('نبض غير منتظم');
  });

  it('temperature: the site in words, the device decimals, the °F it showed, an unset clock means the time of receipt', () => {
    const html = render([reading('MDC_TEMP_EAR', 37.6, 'Cel', { decimals: 2, reported: { value: 99.68, unit: '[degF]', decimals: 2 }, deviceClock: { state: 'unset' } })]);
    const words = tile(html, 'temp');
    expect(words).toContain('Température (oreille)');
    expect(words).toContain('37,60 °C');
    expect(words).toContain('99,68 °F sur l’appareil');
    expect(words).toContain('Horloge de l’appareil non réglée : heure de réception');
    expect(tileHtml(html, 'temp')).toContain('data-code="MDC_TEMP_EAR"');
    // A plain body temperature: no site, one decimal, nothing else said.
    const plain = tile(render([reading('MDC_TEMP_BODY', 36.8, 'Cel', { deviceClock: { state: 'set', offsetMs: 1000 } })]), 'temp');
    expect(plain).toMatch(/^Température 36,8 °C à \S+ /);
    expect(plain).not.toMatch(/Horloge|appareil|\(/);
    expect(tile(render([reading('MDC_TEMP_FINGER', 36.1, 'Cel')], 'en'), 'temp')).toContain('Temperature (finger)');
  });

  it('glucose: only with a reading (or a glucometer), in mg/dL and g/L, with the mmol/L the meter showed', () => {
    expect(tileHtml(render([reading('MDC_PULS_OXIM_SAT_O2', 97, '%')]), 'glucose')).toBeUndefined();
    const words = tile(render([reading('MDC_CONC_GLU_CAPILLARY_PLASMA', 105, 'mg/dL', { reported: { value: 5.8, unit: 'mmol/L', decimals: 1 }, flags: ['result-too-high'] })]), 'glucose');
    expect(words).toContain('Glycémie 105 mg/dL');
    expect(words).toContain('soit 1,05 g/L · plasma capillaire');
    expect(words).toContain('5,8 mmol/L sur l’appareil');
    expect(words).toContain('Résultat au-dessus de la plage de l’appareil');
    const meter: CallDevice = { id: 'glu', name: 'Accu-Chek', category: 'glucometer', link: 'waiting', status: 'ok', commands: [] };
    expect(tile(render([], 'fr', { devices: [meter] }), 'glucose')).toContain('Glycémie pas encore de mesure');
  });

  it('the device status detail is in words on the tile, never kebab-case', () => {
    const statuses = new Map<string, DeviceStatusView>([['oxi', { status: 'ok', detail: 'alarm-pulse-low', t: T0 }]]);
    const html = render([reading('MDC_PULS_OXIM_SAT_O2', 97, '%', { deviceId: 'oxi' })], 'fr', { statuses });
    expect(tile(html, 'spo2')).toContain('bon signal · alarme du moniteur : pouls sous sa limite');
    expect(html).not.toContain('alarm-pulse-low');
  });
});

describe('the devices list says what each device says', () => {
  const snap = (detail: string): Snap => ({
    ...initialCallSnapshot(),
    rtc: 'connected',
    channelOpen: true,
    devices: [{ id: 'oxi', name: 'Masimo Rad-97', category: 'oximeter', link: 'connected', status: 'ok', commands: [] }],
    statuses: new Map([['oxi', { status: 'artifact', detail, t: T0 }]]),
  });
  const list = (detail: string, language: Language = 'fr') =>
    renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(Devices, { call: {} as Call, snap: snap(detail) })));
  it('translated, a numbered one with its code, an unknown one as « Détail technique » with the raw text only in its title', () => {
    expect(text(list('body-movement'))).toContain('artefact de mouvement · mouvement pendant la mesure');
    expect(text(list('alarm-silenced', 'en'))).toContain('monitor alarm silenced');
    expect(text(list('device-error-7'))).toContain('erreur de l’appareil (code 7)');
    const odd = list('weird-new-thing');
    expect(text(odd)).toContain('Détail technique');
    expect(odd).toContain('title="weird-new-thing"');
    expect(text(odd)).not.toContain('weird-new-thing');
  });
});
