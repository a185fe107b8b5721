import { z } from 'zod';

/**
 * The kiosk's voice pack: one audio file per language and translation key, under the renderer's `voice/` folder
 * (or a deployer's own folder with the same layout):
 *
 *   voice/manifest.json        what the pack holds (VoiceManifestSchema)
 *   voice/<lang>/<key>.ogg     Ogg/Opus (or .wav), e.g. voice/fr/step.oximeter.instruction.ogg
 *
 * Each prompt names the text it says and the SHA-256 of that text: when a translation changes, the kiosk sees
 * the recording is stale and shows the text with a notice instead of saying the old words.
 */
export const VOICE_DIR = 'voice';
export const MANIFEST_FILE = 'manifest.json';

export const VoicePromptSchema = z.object({
  key: z.string().min(1),
  lang: z.string().min(2),
  /** Relative to the manifest's folder, e.g. `fr/welcome.intro.ogg`. */
  file: z.string().min(1),
  /** The words said, exactly as the translation file has them. */
  text: z.string(),
  /** textHash(text): a recording whose hash differs from the current text's is stale. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type VoicePrompt = z.infer<typeof VoicePromptSchema>;

export const VoiceManifestSchema = z.object({
  version: z.literal(1),
  /** Who or what speaks (e.g. `espeak-ng 1.51`, or the name of the person recorded). */
  voice: z.string(),
  prompts: z.array(VoicePromptSchema),
});
export type VoiceManifest = z.infer<typeof VoiceManifestSchema>;

/**
 * Which translation keys are spoken: every instruction, prompt and the welcome. `*` stands for one part of a key
 * (no dot), so a new exam step's `step.<category>.instruction` is covered without touching this list. Buttons are
 * not prompts. Texts with a `{{placeholder}}` cannot be recorded ahead and are left out.
 */
export const VOICE_KEYS = {
  include: [
    'welcome.hello',
    'welcome.intro',
    'language.choose',
    'consent.*',
    'step.*.instruction',
    'exam.pressStart',
    'exam.noDevices',
    'exam.noDevicesHint',
    'idle.title',
    'end.*',
    'end.print.preparing',
    'end.print.printing',
    'end.print.printed',
    'end.print.stillPrinting',
    'end.print.waiting',
    'end.print.cancelled',
    'end.print.failed',
    'end.print.problem.*',
    'help.*',
    'voice.*',
  ],
  exclude: ['consent.accept', 'consent.decline', 'end.finish', 'help.call', 'help.room', 'voice.unavailable'],
} as const;

/** `*` matches one key part: `step.*.instruction` matches `step.scale.instruction`, not `step.a.b.instruction`. */
export function keyMatches(key: string, pattern: string): boolean {
  const re = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^.]*');
  return new RegExp(`^${re}$`).test(key);
}

/** A nested translation object as `a.b.c` → string (non-strings are skipped). */
export function flattenTranslations(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (tree === null || typeof tree !== 'object') return out;
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flattenTranslations(v, key)) out.set(kk, vv);
  }
  return out;
}

export const isSpokenKey = (key: string, patterns: { include: readonly string[]; exclude: readonly string[] } = VOICE_KEYS): boolean =>
  patterns.include.some((p) => keyMatches(key, p)) && !patterns.exclude.some((p) => keyMatches(key, p));

/** i18next's plural forms (`days_one`, `days_other`): which one is shown depends on a number, so none is said ahead. */
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** The prompts of one language's translations, in file order; interpolated and plural texts are left out (see VOICE_KEYS). */
export function selectPrompts(translations: unknown, patterns = VOICE_KEYS): { key: string; text: string }[] {
  return [...flattenTranslations(translations)]
    .filter(([key, text]) => isSpokenKey(key, patterns) && !PLURAL.test(key) && !text.includes('{{') && text.trim() !== '')
    .map(([key, text]) => ({ key, text }));
}

/** SHA-256 (hex) of the text, with WebCrypto: the same in Node (build) and in the kiosk (stale check). */
export async function textHash(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text.normalize('NFC')));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export const promptFile = (lang: string, key: string, ext: string): string => `${lang}/${key}.${ext}`;

export type PromptProblem = 'missing' | 'stale';

/** Why the kiosk did not say a prompt: no pack at all, no file for it, a recording of older words, a file that fails. */
export const SpeechFailureSchema = z.enum(['no-pack', 'missing', 'stale', 'load']);
export type SpeechFailure = z.infer<typeof SpeechFailureSchema>;

/** Why the pack cannot say `text` for this key and language, or undefined when it can. */
export function promptProblem(prompt: VoicePrompt | undefined, currentHash: string): PromptProblem | undefined {
  if (!prompt) return 'missing';
  return prompt.hash === currentHash ? undefined : 'stale';
}

/** The manifest's prompts by `lang/key`. */
export function indexPrompts(manifest: VoiceManifest): Map<string, VoicePrompt> {
  return new Map(manifest.prompts.map((p) => [`${p.lang}/${p.key}`, p]));
}
