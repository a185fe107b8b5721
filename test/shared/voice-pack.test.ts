import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/shared/language.ts';
import {
  flattenTranslations,
  indexPrompts,
  isSpokenKey,
  keyMatches,
  promptProblem,
  selectPrompts,
  textHash,
  VoiceManifestSchema,
  type VoicePrompt,
} from '../../src/shared/voice-pack.ts';

const I18N = resolve(import.meta.dirname, '../../src/renderer/i18n');
const read = (lang: string): unknown => JSON.parse(readFileSync(join(I18N, `${lang}.json`), 'utf8'));

describe('voice pack: which keys are spoken', () => {
  it('a * stands for one part of a key, nothing more', () => {
    expect(keyMatches('step.scale.instruction', 'step.*.instruction')).toBe(true);
    expect(keyMatches('step.blood-pressure.instruction', 'step.*.instruction')).toBe(true);
    expect(keyMatches('step.a.b.instruction', 'step.*.instruction')).toBe(false);
    expect(keyMatches('step.scale.title', 'step.*.instruction')).toBe(false);
    expect(keyMatches('consent.p1', 'consent.*')).toBe(true);
    expect(keyMatches('consentXp1', 'consent.*')).toBe(false);
  });

  it('buttons are not prompts', () => {
    expect(isSpokenKey('consent.p1')).toBe(true);
    expect(isSpokenKey('consent.accept')).toBe(false);
    expect(isSpokenKey('end.finish')).toBe(false);
    expect(isSpokenKey('exam.next')).toBe(false);
    expect(isSpokenKey('voice.unavailable')).toBe(false);
    expect(isSpokenKey('help.called')).toBe(true);
    expect(isSpokenKey('help.call')).toBe(false);
  });

  it('a new exam step in the translations is spoken without touching the list; interpolated and plural texts are left out', () => {
    const tr = {
      welcome: { hello: 'Bonjour !', start: 'Commencer' },
      step: { spirometer: { title: 'Le souffle', instruction: 'Soufflez fort.' } },
      idle: { title: 'Là ?', text: 'Fin dans {{seconds}} s' },
      consent: { kept_zero: 'Rien n’est gardé.', kept_one: 'Gardé un jour.', keptNow: 'Effacé tout de suite.' },
    };
    expect(selectPrompts(tr)).toEqual([
      { key: 'welcome.hello', text: 'Bonjour !' },
      { key: 'step.spirometer.instruction', text: 'Soufflez fort.' },
      { key: 'idle.title', text: 'Là ?' },
      { key: 'consent.keptNow', text: 'Effacé tout de suite.' },
    ]);
  });

  it('every language file has the welcome, the consent, each step instruction, the idle prompt and the end', () => {
    const langs = readdirSync(I18N)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((l) => (LANGUAGES as readonly string[]).includes(l));
    expect(langs).toContain('fr');
    const steps = Object.keys((read('fr') as { step: object }).step);
    for (const lang of langs) {
      const keys = selectPrompts(read(lang)).map((p) => p.key);
      expect(keys, lang).toEqual(expect.arrayContaining(['welcome.hello', 'welcome.intro', 'language.choose', 'consent.title', 'idle.title', 'voice.idleText', 'end.title']));
      for (const s of steps) expect(keys, `${lang} ${s}`).toContain(`step.${s}.instruction`);
      // The consent's own words (however its paragraphs are named), not only its title.
      expect(keys.filter((k) => k.startsWith('consent.')).length, lang).toBeGreaterThan(2);
      // How long the cabin keeps the data is said too (the number itself is on screen: it cannot be recorded ahead).
      expect(keys, lang).toEqual(expect.arrayContaining(['consent.keptCabinNow', 'consent.keptCabinSpoken']));
      // What becomes of the patient's printed copy is said as it happens; its buttons' labels are not.
      expect(keys, lang).toEqual(expect.arrayContaining(['end.print.preparing', 'end.print.printing', 'end.print.failed']));
      expect(keys, lang).not.toContain('end.print.button');
    }
  });

  it('flattens nested translations to dotted keys, strings only', () => {
    expect([...flattenTranslations({ a: { b: 'x', c: { d: 'y' } }, n: 3 })]).toEqual([
      ['a.b', 'x'],
      ['a.c.d', 'y'],
    ]);
  });
});

describe('voice pack: hashes and stale recordings', () => {
  it('textHash is the SHA-256 of the UTF-8 text (what a deployer can compute with sha256sum)', async () => {
    const text = 'Êtes-vous d’accord\u202F?';
    expect(await textHash(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(await textHash('a')).not.toBe(await textHash('b'));
  });

  it('a prompt is missing, stale when its text changed, fine when it says the words on screen', async () => {
    const said = 'Montez sur la balance.';
    const prompt: VoicePrompt = { key: 'step.scale.instruction', lang: 'fr', file: 'fr/step.scale.instruction.ogg', text: said, hash: await textHash(said) };
    expect(promptProblem(undefined, await textHash(said))).toBe('missing');
    expect(promptProblem(prompt, await textHash(said))).toBeUndefined();
    expect(promptProblem(prompt, await textHash('Montez sur la balance, pieds nus.'))).toBe('stale');
  });

  it('the manifest schema takes a pack and indexes it by language and key; it refuses a bad hash', async () => {
    const m = VoiceManifestSchema.parse({
      version: 1,
      voice: 'Marie, enregistrée à Aurillac',
      prompts: [{ key: 'welcome.hello', lang: 'fr', file: 'fr/welcome.hello.ogg', text: 'Bonjour !', hash: await textHash('Bonjour !') }],
    });
    expect(indexPrompts(m).get('fr/welcome.hello')?.file).toBe('fr/welcome.hello.ogg');
    expect(VoiceManifestSchema.safeParse({ ...m, prompts: [{ ...m.prompts[0], hash: 'abc' }] }).success).toBe(false);
  });
});
