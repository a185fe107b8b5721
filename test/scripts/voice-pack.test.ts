import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateVoicePack, packLanguages } from '../../scripts/voice-pack.ts';
import { textHash, VoiceManifestSchema } from '../../src/shared/voice-pack.ts';

/** The generator on a tiny translation set, with Debian's espeak-ng and opusenc (installed by scripts/setup.sh). */
describe('voice pack generator', () => {
  let dir: string;
  let i18nDir: string;
  const path = process.env.PATH;
  const write = (lang: string, tree: object) => writeFileSync(join(i18nDir, `${lang}.json`), JSON.stringify(tree));
  const manifestOf = (out: string) => VoiceManifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-voicegen-'));
    i18nDir = join(dir, 'i18n');
    mkdirSync(i18nDir);
    write('fr', { welcome: { hello: 'Bonjour !', start: 'Commencer' }, step: { scale: { instruction: 'Montez sur la balance.' } } });
    write('en', { welcome: { hello: 'Hello!', start: 'Start' }, step: { scale: { instruction: 'Step on the scale.' } } });
  });
  afterEach(() => {
    process.env.PATH = path;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('speaks only the languages the kiosk knows that have a translation file', async () => {
    writeFileSync(join(dir, 'xx.json'), '{}');
    expect(await packLanguages(i18nDir, ['fr', 'en', 'ar'])).toEqual(['fr', 'en']);
  });

  it('writes one Ogg/Opus file per language and spoken key, and a manifest with each text and its hash', async () => {
    const out = join(dir, 'a', 'voice');
    const r = await generateVoicePack({ outDir: out, i18nDir, cacheDir: join(dir, 'cache'), languages: ['fr', 'en'] });
    expect(r.skipped).toBeUndefined();
    expect(r.format).toBe('ogg');
    expect(r.languages.map((l) => [l.lang, l.prompts, l.synthesized])).toEqual([
      ['fr', 2, 2],
      ['en', 2, 2],
    ]);
    const m = manifestOf(out);
    expect(m.voice).toMatch(/^espeak-ng \d/);
    const hello = m.prompts.find((p) => p.lang === 'fr' && p.key === 'welcome.hello');
    expect(hello).toMatchObject({ file: 'fr/welcome.hello.ogg', text: 'Bonjour !', hash: await textHash('Bonjour !') });
    expect(m.prompts.some((p) => p.key === 'welcome.start')).toBe(false);
    const ogg = readFileSync(join(out, 'fr/step.scale.instruction.ogg'));
    expect(ogg.subarray(0, 4).toString()).toBe('OggS');
    expect(ogg.includes(Buffer.from('OpusHead'))).toBe(true);
  });

  it('speaks again only the prompts whose text changed', async () => {
    const cacheDir = join(dir, 'cache2');
    const out = join(dir, 'b', 'voice');
    await generateVoicePack({ outDir: out, i18nDir, cacheDir, languages: ['fr'] });
    write('fr', { welcome: { hello: 'Bonjour à vous !' }, step: { scale: { instruction: 'Montez sur la balance.' } } });
    const r = await generateVoicePack({ outDir: out, i18nDir, cacheDir, languages: ['fr'] });
    expect(r.languages[0]).toMatchObject({ prompts: 2, synthesized: 1 });
    expect(manifestOf(out).prompts.find((p) => p.key === 'welcome.hello')?.text).toBe('Bonjour à vous !');
  });

  it('two keys with the same words are spoken once, into one recording both files copy', async () => {
    const cacheDir = join(dir, 'cache-same');
    const out = join(dir, 'same', 'voice');
    write('fr', { welcome: { hello: 'Même phrase.' }, step: { scale: { instruction: 'Même phrase.' } } });
    const r = await generateVoicePack({ outDir: out, i18nDir, cacheDir, languages: ['fr'], jobs: 2 });
    expect(r.languages[0]).toMatchObject({ prompts: 2, synthesized: 1 });
    expect(readFileSync(join(out, 'fr/welcome.hello.ogg')).equals(readFileSync(join(out, 'fr/step.scale.instruction.ogg')))).toBe(true);
  });

  it('writes WAV when opusenc is missing', async () => {
    const bin = join(dir, 'bin-espeak-only');
    mkdirSync(bin);
    symlinkSync('/usr/bin/espeak-ng', join(bin, 'espeak-ng'));
    process.env.PATH = bin;
    const out = join(dir, 'c', 'voice');
    const r = await generateVoicePack({ outDir: out, i18nDir, cacheDir: join(dir, 'cache3'), languages: ['en'] });
    expect(r.format).toBe('wav');
    expect(manifestOf(out).prompts.map((p) => p.file).sort()).toEqual(['en/step.scale.instruction.wav', 'en/welcome.hello.wav']);
    expect(readFileSync(join(out, 'en/welcome.hello.wav')).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('without espeak-ng: no pack, and a reason a person can act on', async () => {
    process.env.PATH = join(dir, 'nothing-here');
    const out = join(dir, 'd', 'voice');
    const r = await generateVoicePack({ outDir: out, i18nDir, cacheDir: join(dir, 'cache4') });
    expect(r.skipped).toMatch(/espeak-ng is not installed.*apt-get install espeak-ng/);
    expect(r.languages).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
