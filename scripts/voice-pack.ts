import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LANGUAGES } from '../src/shared/language.ts';
import { MANIFEST_FILE, promptFile, selectPrompts, textHash, VOICE_DIR, type VoiceManifest, type VoicePrompt } from '../src/shared/voice-pack.ts';

/**
 * The kiosk's default voice pack, spoken offline at build time by Debian's espeak-ng and encoded to Ogg/Opus
 * (opusenc; WAV when opus-tools is missing): `npm run build` runs it after the renderer build, into
 * dist/renderer/voice. Unchanged prompts come from a cache keyed by the text's hash, so a rebuild costs little.
 */

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** espeak-ng's voice for each kiosk language (the language code itself when not listed). */
export const ESPEAK_VOICES: Record<string, string> = { fr: 'fr', en: 'en-gb', ar: 'ar', es: 'es' };
/** Words per minute: a little slower than espeak's 175, for elderly listeners. */
export const SPEED = 150;

export interface VoicePackOptions {
  /** The pack's folder (manifest.json and <lang>/); replaced whole. */
  outDir: string;
  /** Where the translation files are (<lang>.json). */
  i18nDir?: string;
  /** Kept between builds: <lang>/<hash>.<ext>. */
  cacheDir?: string;
  languages?: readonly string[];
  /** Parallel synthesizer runs. */
  jobs?: number;
  log?: (line: string) => void;
}

export interface VoicePackResult {
  /** Why no pack was made (espeak-ng missing); undefined when it was. */
  skipped?: string;
  format: 'ogg' | 'wav';
  languages: { lang: string; prompts: number; bytes: number; synthesized: number }[];
  ms: number;
}

const has = async (cmd: string): Promise<boolean> =>
  run(cmd, ['--version']).then(
    () => true,
    () => false,
  );

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Runs `cmd args` with `input` on stdin; rejects with its stderr when it fails. */
function pipeTo(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited ${code}: ${err.trim()}`))));
    child.stdin.end(input);
  });
}

/** One prompt into `file` (.ogg or .wav), through a WAV next to it. */
async function synthesize(lang: string, text: string, file: string, format: 'ogg' | 'wav'): Promise<void> {
  const wav = format === 'wav' ? file : `${file}.wav`;
  await pipeTo('espeak-ng', ['-v', ESPEAK_VOICES[lang] ?? lang, '-s', String(SPEED), '-w', wav, '--stdin'], text);
  if (format === 'ogg') {
    await run('opusenc', ['--quiet', '--bitrate', '24', '--comment', `TITLE=${text}`, wav, file]);
    await rm(wav, { force: true });
  }
}

/** Runs `tasks` with at most `jobs` at a time. */
async function inParallel<T>(items: readonly T[], jobs: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
}

/** The languages to speak: those the kiosk knows that have a translation file. */
export async function packLanguages(i18nDir: string, languages: readonly string[] = LANGUAGES): Promise<string[]> {
  const files = new Set((await readdir(i18nDir)).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json')));
  return languages.filter((l) => files.has(l));
}

/** The voice pack of the kiosk's translations into `outDir`; no pack (and `skipped`) without espeak-ng. */
export async function generateVoicePack(o: VoicePackOptions): Promise<VoicePackResult> {
  const started = performance.now();
  const log = o.log ?? (() => {});
  const i18nDir = o.i18nDir ?? join(ROOT, 'src/renderer/i18n');
  const cacheDir = o.cacheDir ?? join(ROOT, 'node_modules/.cache/cabin-voice');
  const elapsed = () => Math.round(performance.now() - started);
  if (!(await has('espeak-ng'))) {
    const skipped = 'espeak-ng is not installed (apt-get install espeak-ng, or scripts/setup.sh): no voice pack was made, the kiosk will show its texts with a notice that the spoken guide is not available.';
    return { skipped, format: 'ogg', languages: [], ms: elapsed() };
  }
  const format = (await has('opusenc')) ? 'ogg' : 'wav';
  if (format === 'wav') log('opusenc (opus-tools) is missing: the voice pack is written as WAV, about ten times larger.');
  const version = (await run('espeak-ng', ['--version'])).stdout.match(/\d+\.\d+(\.\d+)?/)?.[0] ?? '';

  const stage = `${o.outDir}.tmp-${process.pid}`;
  await rm(stage, { recursive: true, force: true });
  const prompts: VoicePrompt[] = [];
  const result: VoicePackResult['languages'] = [];
  for (const lang of await packLanguages(i18nDir, o.languages)) {
    const translations: unknown = JSON.parse(await readFile(join(i18nDir, `${lang}.json`), 'utf8'));
    const selected = selectPrompts(translations);
    await mkdir(join(stage, lang), { recursive: true });
    await mkdir(join(cacheDir, lang), { recursive: true });
    const summary = { lang, prompts: selected.length, bytes: 0, synthesized: 0 };
    // Two keys with the same words share one recording: spoken once, not twice at once into the same file.
    const speaking = new Map<string, Promise<void>>();
    await inParallel(selected, o.jobs ?? 3, async ({ key, text }) => {
      const hash = await textHash(text);
      // The cache key holds what shapes the sound too, so a new speed or voice is spoken again.
      const cached = join(cacheDir, lang, `${(await textHash(`${version}|${ESPEAK_VOICES[lang] ?? lang}|${SPEED}|${text}`)).slice(0, 32)}.${format}`);
      if (!speaking.has(cached)) {
        speaking.set(
          cached,
          (async () => {
            if (await exists(cached)) return;
            await synthesize(lang, text, `${cached}.part`, format);
            await rename(`${cached}.part`, cached);
            summary.synthesized++;
          })(),
        );
      }
      await speaking.get(cached);
      const file = promptFile(lang, key, format);
      await copyFile(cached, join(stage, file));
      const { size } = await stat(cached);
      summary.bytes += size;
      prompts.push({ key, lang, file, text, hash });
    });
    result.push(summary);
  }
  prompts.sort((a, b) => (a.lang + a.key).localeCompare(b.lang + b.key));
  const manifest: VoiceManifest = { version: 1, voice: `espeak-ng ${version}`.trim(), prompts };
  await writeFile(join(stage, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(o.outDir, { recursive: true, force: true });
  await mkdir(dirname(o.outDir), { recursive: true });
  await rename(stage, o.outDir);
  return { format, languages: result, ms: elapsed() };
}

/** `node bin/run-ts.mjs scripts/voice-pack.ts [OUT_DIR]` (default dist/renderer/voice). */
async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(ROOT, 'dist/renderer', VOICE_DIR));
  const r = await generateVoicePack({ outDir, log: (l) => console.warn(`voice pack: ${l}`) });
  if (r.skipped) {
    console.warn(`\n⚠ voice pack: ${r.skipped}\n`);
    return;
  }
  const sizes = r.languages.map((l) => `${l.lang} ${l.prompts} prompts ${Math.round(l.bytes / 1024)} kB (${l.synthesized} spoken)`);
  console.log(`voice pack (${r.format}) in ${(r.ms / 1000).toFixed(1)} s → ${outDir}: ${sizes.join(', ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
