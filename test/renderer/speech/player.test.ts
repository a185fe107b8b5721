import { describe, expect, it } from 'vitest';
import { SpeechPlayer, type AudioBackend, type SpeechState } from '../../../src/renderer/speech/player.ts';
import type { VoiceManifest } from '../../../src/shared/voice-pack.ts';

/** Stands in for textHash (WebCrypto answers off the microtask queue): what matters is that it changes with the text. */
const textHash = async (text: string): Promise<string> => `hash of ${text}`;

/** A fake audio output: loads by URL (or fails), and plays until the test ends the clip or the signal aborts. */
class FakeBackend implements AudioBackend<string> {
  readonly played: string[] = [];
  readonly stopped: string[] = [];
  readonly broken = new Set<string>();
  private ends = new Map<string, () => void>();

  async load(url: string): Promise<string> {
    if (this.broken.has(url)) throw new Error(`${url}: HTTP 404`);
    return url;
  }

  play(clip: string, signal: AbortSignal): Promise<void> {
    this.played.push(clip);
    return new Promise((resolve) => {
      this.ends.set(clip, resolve);
      signal.addEventListener('abort', () => {
        this.stopped.push(clip);
        resolve();
      });
    });
  }

  /** The clip plays to its end. */
  end(clip: string): void {
    this.ends.get(clip)?.();
  }
}

const TEXTS: Record<string, string> = { 'welcome.hello': 'Bonjour !', 'welcome.intro': 'Touchez le bouton.', 'step.scale.instruction': 'Montez.' };

async function manifest(keys = Object.keys(TEXTS), texts = TEXTS): Promise<VoiceManifest> {
  const prompts = await Promise.all(
    keys.map(async (key) => ({ key, lang: 'fr', file: `fr/${key}.ogg`, text: texts[key] ?? '', hash: await textHash(texts[key] ?? '') })),
  );
  return { version: 1, voice: 'test', prompts };
}

function setup(m: Promise<VoiceManifest | undefined> | (() => Promise<VoiceManifest | undefined>) = manifest()) {
  const backend = new FakeBackend();
  const states: SpeechState[] = [];
  const logs: string[] = [];
  const failures: unknown[] = [];
  const player = new SpeechPlayer({
    backend,
    loadManifest: typeof m === 'function' ? m : () => m,
    urlOf: (file) => `voice/${file}`,
    hash: textHash,
    onChange: (s) => states.push(s),
    log: (l, f) => {
      logs.push(l);
      failures.push(f);
    },
  });
  const lines = (...keys: string[]) => keys.map((key) => ({ key, text: TEXTS[key] ?? key }));
  /** Lets the player's awaits run (manifest, hash, load). */
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { backend, player, states, logs, failures, lines, settle };
}

describe('SpeechPlayer', () => {
  it('plays the lines in turn, highlighting each, then nothing', async () => {
    const { backend, player, lines, settle } = setup();
    const said = player.say('fr', lines('welcome.hello', 'welcome.intro'));
    await settle();
    expect(backend.played).toEqual(['voice/fr/welcome.hello.ogg']);
    expect(player.snapshot.speaking).toBe('welcome.hello');
    backend.end('voice/fr/welcome.hello.ogg');
    await settle();
    expect(backend.played).toEqual(['voice/fr/welcome.hello.ogg', 'voice/fr/welcome.intro.ogg']);
    expect(player.snapshot.speaking).toBe('welcome.intro');
    backend.end('voice/fr/welcome.intro.ogg');
    await said.done;
    expect(player.snapshot).toEqual({ speaking: undefined, unavailable: false });
  });

  it('a new prompt stops the one playing (one prompt at a time), and the old one says nothing more', async () => {
    const { backend, player, lines, settle } = setup();
    const first = player.say('fr', lines('welcome.hello', 'welcome.intro'));
    await settle();
    player.say('fr', lines('step.scale.instruction'));
    await first.done;
    await settle();
    expect(backend.stopped).toEqual(['voice/fr/welcome.hello.ogg']);
    expect(backend.played).toEqual(['voice/fr/welcome.hello.ogg', 'voice/fr/step.scale.instruction.ogg']);
    expect(player.snapshot.speaking).toBe('step.scale.instruction');
  });

  it("cancelling an old prompt's handle leaves the newer prompt playing", async () => {
    const { backend, player, lines, settle } = setup();
    const old = player.say('fr', lines('welcome.hello'));
    await settle();
    player.say('fr', lines('step.scale.instruction'));
    await settle();
    old.cancel();
    expect(backend.stopped).toEqual(['voice/fr/welcome.hello.ogg']);
    expect(player.snapshot.speaking).toBe('step.scale.instruction');
  });

  it('stop() silences the prompt and clears the highlight', async () => {
    const { backend, player, lines, settle } = setup();
    const said = player.say('fr', lines('welcome.hello'));
    await settle();
    player.stop();
    await said.done;
    expect(backend.stopped).toEqual(['voice/fr/welcome.hello.ogg']);
    expect(player.snapshot.speaking).toBeUndefined();
  });

  it('a missing prompt shows the notice and is logged once; the other lines still play', async () => {
    const { backend, player, lines, logs, failures, settle } = setup(manifest(['welcome.intro']));
    const said = player.say('fr', lines('welcome.hello', 'welcome.intro'));
    await settle();
    expect(player.snapshot.unavailable).toBe(true);
    expect(backend.played).toEqual(['voice/fr/welcome.intro.ogg']);
    backend.end('voice/fr/welcome.intro.ogg');
    await said.done;
    // The notice stays: a line of this prompt was not said.
    expect(player.snapshot.unavailable).toBe(true);
    await player.say('fr', lines('welcome.hello')).done;
    expect(logs).toEqual(['Voice prompt fr/welcome.hello not said (missing): its text stays on screen with the notice.']);
    // What cabin main's log gets (bridge 'voice:unavailable').
    expect(failures).toEqual([{ lang: 'fr', key: 'welcome.hello', reason: 'missing' }]);
  });

  it('a recording of other words is stale: not played, the notice instead', async () => {
    const { backend, player, lines, logs } = setup(manifest(['welcome.hello'], { 'welcome.hello': 'Bonsoir !' }));
    await player.say('fr', lines('welcome.hello')).done;
    expect(backend.played).toEqual([]);
    expect(player.snapshot.unavailable).toBe(true);
    expect(logs[0]).toContain('(stale)');
  });

  it('a file that does not load (404, decode error) gives the notice, never silence without it', async () => {
    const { backend, player, lines, logs } = setup();
    backend.broken.add('voice/fr/step.scale.instruction.ogg');
    await player.say('fr', lines('step.scale.instruction')).done;
    expect(player.snapshot.unavailable).toBe(true);
    expect(logs[0]).toContain('fr/step.scale.instruction not said (load)');
  });

  it('without a pack every prompt gives the notice, logged once for all', async () => {
    const { player, lines, logs } = setup(Promise.resolve(undefined));
    await player.say('fr', lines('welcome.hello')).done;
    await player.say('fr', lines('step.scale.instruction')).done;
    expect(player.snapshot.unavailable).toBe(true);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('voice pack is missing');
  });

  it('a pack that could not be read once (a blip at boot) is asked for again, and the next prompt plays', async () => {
    let asked = 0;
    const { backend, player, lines, settle } = setup(() => (++asked === 1 ? Promise.reject(new Error('HTTP 503')) : manifest()));
    await player.say('fr', lines('welcome.hello')).done;
    expect(player.snapshot.unavailable).toBe(true);
    player.say('fr', lines('welcome.intro'));
    await settle();
    expect(backend.played).toEqual(['voice/fr/welcome.intro.ogg']);
    expect(asked).toBe(2);
  });

  it('another language is looked up under its own code', async () => {
    const { backend, player, lines } = setup();
    await player.say('en', lines('welcome.hello')).done;
    expect(backend.played).toEqual([]);
    expect(player.snapshot.unavailable).toBe(true);
  });

  it('the notice goes once a prompt is said whole again', async () => {
    const { backend, player, lines, settle } = setup(manifest(['welcome.intro']));
    await player.say('fr', lines('welcome.hello')).done;
    expect(player.snapshot.unavailable).toBe(true);
    const said = player.say('fr', lines('welcome.intro'));
    await settle();
    expect(player.snapshot.unavailable).toBe(true);
    backend.end('voice/fr/welcome.intro.ogg');
    await said.done;
    expect(player.snapshot.unavailable).toBe(false);
  });
});
