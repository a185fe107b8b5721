import { indexPrompts, promptProblem, type SpeechFailure, type VoiceManifest, type VoicePrompt } from '../../shared/voice-pack.ts';

/** What plays the sound: WebAudio in the kiosk (webaudio.ts), a fake in the tests. */
export interface AudioBackend<Clip> {
  /** Fetches and decodes one file; rejects on 404 or a decode error. */
  load(url: string, signal: AbortSignal): Promise<Clip>;
  /** Resolves when the clip has played to its end, or at once when `signal` aborts (the sound stops). */
  play(clip: Clip, signal: AbortSignal): Promise<void>;
}

export type { SpeechFailure };

export interface SpeechState {
  /** The key being said now (its element is highlighted). */
  speaking: string | undefined;
  /** A line could not be said, and no prompt was said whole since: the screen shows the text-only notice. */
  unavailable: boolean;
}

export interface PlayerOptions<Clip> {
  backend: AudioBackend<Clip>;
  /** The pack's manifest; undefined when there is none (not built, 404, invalid). Asked again until it is read. */
  loadManifest(): Promise<VoiceManifest | undefined>;
  /** URL of a file named in the manifest (relative to the manifest's folder). */
  urlOf(file: string): string;
  hash(text: string): Promise<string>;
  onChange(state: SpeechState): void;
  /** A failure worth a line in the log (once per language, key and reason; once in all without a pack). */
  log(line: string, failure: { lang: string; key: string; reason: SpeechFailure }): void;
}

export interface Line {
  key: string;
  /** The words on screen now: a recording of other words is stale. */
  text: string;
}

/**
 * Says one prompt at a time: `say` stops whatever is playing and plays its lines in turn, highlighting each. A
 * line that cannot be said is skipped with the notice (its text is on screen); the next lines still play.
 */
export class SpeechPlayer<Clip> {
  private current: AbortController | undefined;
  private manifest: Promise<Map<string, VoicePrompt> | undefined> | undefined;
  private state: SpeechState = { speaking: undefined, unavailable: false };
  private readonly logged = new Set<string>();

  constructor(private readonly o: PlayerOptions<Clip>) {}

  /** Says `lines` in `lang`; resolves when they are said or cancelled. Cancel with stop() or the returned handle. */
  say(lang: string, lines: readonly Line[]): { cancel(): void; done: Promise<void> } {
    this.stop();
    const ctl = new AbortController();
    this.current = ctl;
    const done = this.run(lang, lines, ctl.signal).finally(() => {
      if (this.current === ctl) {
        this.current = undefined;
        this.set({ speaking: undefined });
      }
    });
    return { cancel: () => (this.current === ctl ? this.stop() : undefined), done };
  }

  /** Stops the prompt playing now (a new screen, the call, the patient leaving). */
  stop(): void {
    this.current?.abort();
    this.current = undefined;
    this.set({ speaking: undefined });
  }

  get snapshot(): SpeechState {
    return this.state;
  }

  private async run(lang: string, lines: readonly Line[], signal: AbortSignal): Promise<void> {
    const prompts = await this.prompts();
    let failed = false;
    for (const line of lines) {
      if (signal.aborted) return;
      const failure = await this.playLine(prompts, lang, line, signal);
      if (signal.aborted) return;
      if (failure) this.fail(lang, line.key, failure);
      failed ||= failure !== undefined;
    }
    // The notice stays until a prompt is said whole: it must not blink away while the patient reads it.
    if (!failed && lines.length > 0) this.set({ unavailable: false });
  }

  private async playLine(prompts: Map<string, VoicePrompt> | undefined, lang: string, line: Line, signal: AbortSignal): Promise<SpeechFailure | undefined> {
    if (!prompts) return 'no-pack';
    const prompt = prompts.get(`${lang}/${line.key}`);
    const problem = promptProblem(prompt, await this.o.hash(line.text));
    if (problem || !prompt) return problem ?? 'missing';
    let clip: Clip;
    try {
      clip = await this.o.backend.load(this.o.urlOf(prompt.file), signal);
    } catch {
      return signal.aborted ? undefined : 'load';
    }
    if (signal.aborted) return undefined;
    this.set({ speaking: line.key });
    try {
      await this.o.backend.play(clip, signal);
    } catch {
      return signal.aborted ? undefined : 'load';
    }
    if (!signal.aborted) this.set({ speaking: undefined });
    return undefined;
  }

  private prompts(): Promise<Map<string, VoicePrompt> | undefined> {
    this.manifest ??= this.o
      .loadManifest()
      .then(
        (m) => (m ? indexPrompts(m) : undefined),
        () => undefined,
      )
      .then((prompts) => {
        // A pack that could not be read (a blip at boot) is asked for again at the next prompt, not given up for good.
        if (!prompts) this.manifest = undefined;
        return prompts;
      });
    return this.manifest;
  }

  private fail(lang: string, key: string, why: SpeechFailure): void {
    this.set({ unavailable: true, speaking: undefined });
    const id = why === 'no-pack' ? why : `${lang}/${key}/${why}`;
    if (this.logged.has(id)) return;
    this.logged.add(id);
    this.o.log(
      why === 'no-pack'
        ? 'The voice pack is missing (voice/manifest.json): the kiosk shows its texts without the spoken guide.'
        : `Voice prompt ${lang}/${key} not said (${why}): its text stays on screen with the notice.`,
      { lang, key, reason: why },
    );
  }

  private set(change: Partial<SpeechState>): void {
    const next = { ...this.state, ...change };
    if (next.speaking === this.state.speaking && next.unavailable === this.state.unavailable) return;
    this.state = next;
    this.o.onChange(next);
  }
}
