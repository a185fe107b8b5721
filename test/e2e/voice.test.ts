import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVoicePack, type VoicePackResult } from '../../scripts/voice-pack.ts';
import { demoConfig } from '../../src/main/config.ts';
import { startKiosk, type KioskHost } from '../../src/main/web/host.ts';
import { LANGUAGES } from '../../src/shared/language.ts';
import { textHash, VoiceManifestSchema } from '../../src/shared/voice-pack.ts';
import { testRendererCopy } from '../helpers/apps.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { captureLogger } from '../helpers/log-capture.ts';

/**
 * The spoken guide end to end: the renderer and its voice pack built as `npm run build` builds them, the kiosk in
 * Chromium (autoplay allowed, as the cabin's launcher does), and the sound itself observed: every node connected
 * to an AudioContext's destination is also tapped by an AnalyserNode, whose loudest RMS the test reads. The
 * welcome must be heard as it opens, and an exam step's instruction again on "Écouter", in each language; a
 * prompt that cannot be loaded shows the notice.
 */

const ROOT = resolve(import.meta.dirname, '../..');
/** Speech from espeak peaks near 0.1–0.3 RMS; digital silence is 0. */
const AUDIBLE_RMS = 0.01;
const LANGS = LANGUAGES.filter((l) => existsSync(join(ROOT, `src/renderer/i18n/${l}.json`)));

/** Installed before the page's scripts: taps the destination of every AudioContext and keeps the loudest RMS. */
function tapAudio(): void {
  const w = window as unknown as { voiceRms: number; voiceTaps: number };
  w.voiceRms = 0;
  w.voiceTaps = 0;
  const taps = new WeakMap<BaseAudioContext, AnalyserNode>();
  const connect = AudioNode.prototype.connect as (this: AudioNode, ...args: unknown[]) => unknown;
  AudioNode.prototype.connect = function (this: AudioNode, ...args: unknown[]) {
    const target = args[0];
    if (target instanceof AudioDestinationNode) {
      let analyser = taps.get(this.context);
      if (!analyser) {
        const a = this.context.createAnalyser();
        a.fftSize = 2048;
        taps.set(this.context, a);
        const buf = new Float32Array(a.fftSize);
        setInterval(() => {
          a.getFloatTimeDomainData(buf);
          let sum = 0;
          for (const v of buf) sum += v * v;
          w.voiceRms = Math.max(w.voiceRms, Math.sqrt(sum / buf.length));
        }, 20);
        analyser = a;
        w.voiceTaps++;
      }
      connect.call(this, analyser);
    }
    return connect.apply(this, args);
  } as typeof AudioNode.prototype.connect;
}

describe('spoken guide in Chromium (voice pack, WebAudio)', () => {
  let dir: string;
  let rendererDir: string;
  let pack: VoicePackResult;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-voice-'));
    // The run's renderer build, and its voice pack made here (what the pack holds is this file's to check).
    rendererDir = await testRendererCopy(join(dir, 'renderer'), { voice: false });
    pack = await generateVoicePack({ outDir: join(rendererDir, 'voice') });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  /** A kiosk of its own (a fresh visit) and its page, with the audio tap. */
  async function openKiosk(
    name: string,
    o: { prepare?: (page: Page) => Promise<unknown>; voiceDir?: string } = {},
  ): Promise<{ page: Page; kiosk: KioskHost; errors: string[]; logLines: Record<string, unknown>[] }> {
    const { log, lines: logLines } = captureLogger('cabin');
    const kiosk = await startKiosk({
      log,
      config: demoConfig({
        dataDir: join(dir, `data-${name}`),
        web: { host: '127.0.0.1', port: 0 },
        media: { camera: 'fake', stethoscope: 'Fake Audio Input 1' },
        ...(o.voiceDir ? { voiceDir: o.voiceDir } : {}),
      }),
      rendererDir,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    await context.grantPermissions(['camera', 'microphone'], { origin: new URL(kiosk.url).origin });
    await context.addInitScript(tapAudio);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    await o.prepare?.(page);
    await page.goto(kiosk.url);
    await page.locator('.kiosk[data-phase="welcome"]').waitFor();
    return {
      page,
      kiosk: { ...kiosk, close: async () => (await context.close(), await kiosk.close()) },
      errors,
      logLines,
    };
  }

  const resetRms = (page: Page) => page.evaluate(() => ((window as unknown as { voiceRms: number }).voiceRms = 0));
  const rms = (page: Page) => page.evaluate(() => (window as unknown as { voiceRms: number }).voiceRms);
  /** Waits until `key` is highlighted as spoken, then until the sound is audible. */
  async function heard(page: Page, key: string): Promise<void> {
    await page.locator(`.speaking[data-voice="${key}"]`).waitFor({ timeout: 8000 });
    await expect.poll(() => rms(page), { timeout: 5000, message: `no sound while ${key} is highlighted` }).toBeGreaterThan(AUDIBLE_RMS);
  }
  /** Waits until nothing is being said. */
  const quiet = (page: Page) => page.locator('.speaking').waitFor({ state: 'detached', timeout: 20_000 });

  it('the build made a pack for every language with a translation file', () => {
    expect(pack.skipped).toBeUndefined();
    expect(pack.languages.map((l) => l.lang)).toEqual(LANGS);
    for (const l of pack.languages) expect(l.prompts, l.lang).toBeGreaterThan(10);
  });

  for (const lang of LANGS) {
    it(`${lang}: the welcome is spoken as it opens, and an exam step's instruction again on the listen button`, async () => {
      const { page, kiosk, errors } = await openKiosk(lang);
      try {
        if (lang !== 'fr') {
          await page.getByTestId(`language-${lang}`).click();
          await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
        }
        await resetRms(page);
        await heard(page, 'welcome.hello');
        await page.getByTestId('start').click();
        await page.locator('.kiosk[data-phase="consent"]').waitFor();
        await page.getByTestId('accept').click();
        await page.getByTestId('step-oximeter').waitFor();
        // The step's instruction is said as it opens; once it has been said, "Écouter" says it again.
        await page.locator('.speaking[data-voice="step.oximeter.instruction"]').waitFor({ timeout: 8000 });
        await quiet(page);
        await resetRms(page);
        await page.getByTestId('listen').click();
        await heard(page, 'step.oximeter.instruction');
        expect(await page.getByTestId('voice-notice').count()).toBe(0);
        expect(errors.filter((e) => /voice|audio/i.test(e))).toEqual([]);
      } finally {
        await kiosk.close();
      }
    }, 60_000);
  }

  it('a prompt that cannot be loaded shows the notice, and its text stays on screen', async () => {
    const { page, kiosk, errors, logLines } = await openKiosk('missing', {
      prepare: (p) => p.route('**/voice/fr/step.oximeter.instruction.*', (route) => route.fulfill({ status: 404, body: 'Not found' })),
    });
    try {
      await heard(page, 'welcome.hello');
      expect(await page.getByTestId('voice-notice').count()).toBe(0);
      await page.getByTestId('start').click();
      await page.getByTestId('accept').click();
      await page.getByTestId('step-oximeter').waitFor();
      await expect(page.getByTestId('voice-notice').textContent()).resolves.toBe('Le guide vocal n’est pas disponible\u00a0: lisez le texte à l’écran.');
      await expect(page.locator('[data-voice="step.oximeter.instruction"]').textContent()).resolves.toContain('index');
      expect(errors.some((e) => e.includes('fr/step.oximeter.instruction not said (load)'))).toBe(true);
      // And in cabin main's log, where whoever looks after the cabin reads it.
      await expect
        .poll(() => logLines.filter((l) => l.component === 'voice').map((l) => [l.level, l.lang, l.prompt, l.reason]))
        .toContainEqual([40, 'fr', 'step.oximeter.instruction', 'load']);
    } finally {
      await kiosk.close();
    }
  }, 60_000);

  it("a deployer's pack (config voiceDir) is played in place of the built one; a recording of older words is not", async () => {
    const recorded = join(dir, 'recorded');
    cpSync(join(rendererDir, 'voice'), recorded, { recursive: true });
    const manifest = VoiceManifestSchema.parse(JSON.parse(readFileSync(join(recorded, 'manifest.json'), 'utf8')));
    const old = 'Mettez votre doigt dans la pince.';
    const prompts = await Promise.all(
      manifest.prompts.map(async (p) => (p.lang === 'fr' && p.key === 'step.oximeter.instruction' ? { ...p, text: old, hash: await textHash(old) } : p)),
    );
    writeFileSync(join(recorded, 'manifest.json'), JSON.stringify({ ...manifest, voice: 'Recorded by the deployer', prompts }));
    const { page, kiosk, errors } = await openKiosk('recorded', { voiceDir: recorded });
    try {
      expect(await page.evaluate(() => fetch('voice/manifest.json').then(async (r) => ((await r.json()) as { voice: string }).voice))).toBe('Recorded by the deployer');
      await heard(page, 'welcome.hello');
      await page.getByTestId('start').click();
      await page.getByTestId('accept').click();
      await page.getByTestId('step-oximeter').waitFor();
      await page.getByTestId('voice-notice').waitFor();
      expect(errors.some((e) => e.includes('fr/step.oximeter.instruction not said (stale)'))).toBe(true);
    } finally {
      await kiosk.close();
    }
  }, 60_000);
});
