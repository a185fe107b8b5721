import type { AudioBackend } from './player.ts';

/**
 * The voice through WebAudio: fetched, decoded (Ogg/Opus or WAV) and played by an AudioBufferSourceNode into one
 * gain node on the context's destination (one place to duck or observe the guide's sound).
 */
export class WebAudioBackend implements AudioBackend<AudioBuffer> {
  private ctx: AudioContext | undefined;
  private out: GainNode | undefined;

  private context(): AudioContext {
    if (!this.ctx) {
      this.ctx = new AudioContext();
      this.out = this.ctx.createGain();
      this.out.connect(this.ctx.destination);
    }
    return this.ctx;
  }

  /** A context the autoplay policy suspended starts on the patient's first touch (the kiosk calls this on each). */
  resume(): void {
    if (this.ctx?.state === 'suspended') void this.ctx.resume().catch(() => {});
  }

  async load(url: string, signal: AbortSignal): Promise<AudioBuffer> {
    const res = await fetch(url, { signal });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return this.context().decodeAudioData(await res.arrayBuffer());
  }

  play(buffer: AudioBuffer, signal: AbortSignal): Promise<void> {
    const ctx = this.context();
    this.resume();
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(this.out ?? ctx.destination);
      const finish = (): void => {
        signal.removeEventListener('abort', finish);
        source.onended = null;
        try {
          source.stop();
        } catch {
          // already stopped
        }
        source.disconnect();
        resolve();
      };
      source.onended = finish;
      signal.addEventListener('abort', finish);
      source.start();
    });
  }

  close(): void {
    void this.ctx?.close().catch(() => {});
    this.ctx = undefined;
  }
}
