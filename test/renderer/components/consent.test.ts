import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { KioskConfigSchema } from '../../../src/main/config.ts';
import { MIGRATIONS } from '../../../src/hub/schema.ts';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import { ConsentText } from '../../../src/renderer/screens/Consent.tsx';
import type { Language } from '../../../src/shared/language.ts';

const render = (language: Language, retentionDays: number | undefined) => {
  const i18n = createI18n(language);
  const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(ConsentText, { retentionDays })));
  return { html, text: html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n]+/g, ' '), t: i18n.t.bind(i18n) };
};

describe('the consent says what happens, in plain words', () => {
  const { html, text, t } = render('fr', 7);

  it('a video and sound consultation: the doctor sees and hears the patient, the patient sees the doctor', () => {
    expect(text).toMatch(/médecin/);
    expect(text).toMatch(/vidéo/);
    expect(text).toMatch(/Il vous voit et vous entend/);
    expect(text).toMatch(/Vous le voyez et l’entendez/);
  });

  it('names every device, the stethoscope (heart and lungs) and the otoscope (the ear) included', () => {
    for (const word of ['oxymètre', 'tensiomètre', 'thermomètre', 'balance', 'stéthoscope', 'otoscope', 'cœur', 'poumons', 'oreille']) expect(text).toContain(word);
  });

  it('says what is sent, that the video is not recorded, what is kept, how long and by whom', () => {
    expect(text).toMatch(/Envoyé au médecin/);
    expect(text).toMatch(/La vidéo et le son ne sont pas enregistrés/);
    expect(text).toMatch(/compte rendu/);
    expect(text).toMatch(/La cabine garde .* 7\u00a0jours/);
    expect(text).toMatch(/droit/);
  });

  it('says the patient may stop at any moment, with the very words of the button that stops', () => {
    expect(text).toMatch(/arrêter à tout moment/);
    expect(t('consent.stop')).toContain(t('exam.finish'));
  });

  it('is short headed parts, short sentences (readable at large size)', () => {
    expect(html.match(/<h2/g)?.length).toBeGreaterThanOrEqual(4);
    for (const sentence of text.split(/[.?!]\s/)) expect(sentence.split(' ').length, sentence).toBeLessThanOrEqual(30);
  });

  it('the number of days is the config’s, in the plural the language needs', () => {
    expect(render('fr', 1).text).toMatch(/ 1\u00a0jour, puis/);
    expect(render('fr', 30).text).toMatch(/ 30\u00a0jours, puis/);
    expect(render('fr', 0).text).toMatch(/efface .* une fois envoyées/);
    expect(render('en', 1).text).toMatch(/for 1 day, then/);
    expect(render('ar', 2).text).toMatch(/يومين/);
    expect(render('ar', 7).text).toMatch(/7 أيام/);
    // Without the config's number the sentence is left out rather than a guess.
    expect(render('fr', undefined).html).not.toContain('consent-retention');
    const days = KioskConfigSchema.parse({ demo: true }).retentionDays;
    expect(render('fr', days).text).toContain(`${days}\u00a0jours`);
  });
});

/** Every source file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe('what the consent promises is what the software does', () => {
  it('nothing records the video or the sound: no MediaRecorder in the kiosk, the console or the hub', () => {
    for (const file of [...sources('src/renderer'), ...sources('src/doctor'), ...sources('src/hub')]) expect(readFileSync(file, 'utf8'), file).not.toMatch(/MediaRecorder/);
  });

  it('the hub keeps no sound or video; the only pictures it keeps are the ear’s, which the consent names with the report', () => {
    const schema = MIGRATIONS.join('\n');
    // Bytes are kept in one table only: the otoscope snapshots of the report (issue 13), JPEG or PNG pictures.
    const blobTables = [...schema.matchAll(/CREATE TABLE (\w+) \(([^;]*?)\)\s*(?:STRICT|;)/gs)].filter(([, , body]) => /\bBLOB\b/i.test(body!)).map(([, name]) => name);
    expect(blobTables).toEqual(['consultation_media']);
    expect(schema).toMatch(/mime TEXT NOT NULL CHECK \(mime IN \('image\/jpeg', 'image\/png'\)\)/);
    expect(schema).not.toMatch(/CREATE TABLE \w*(recording|audio|video|sound)\w*/i);
    expect(render('fr', 7).t('consent.keptReport')).toMatch(/identité.*images/);
  });
});
