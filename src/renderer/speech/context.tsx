import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { MANIFEST_FILE, textHash, VOICE_DIR, VoiceManifestSchema, type VoiceManifest } from '../../shared/voice-pack.ts';
import { useBridge } from '../bridge/context.tsx';
import { SpeechPlayer, type SpeechState } from './player.ts';
import { WebAudioBackend } from './webaudio.ts';
import './speech.css';

export interface Speech extends SpeechState {
  /** Says these translation keys in the kiosk's language, one after the other (stopping any other prompt). */
  say(keys: readonly string[]): { cancel(): void };
  stop(): void;
}

const SpeechContext = createContext<Speech>({
  speaking: undefined,
  unavailable: false,
  say: () => ({ cancel: () => {} }),
  stop: () => {},
});

/** The pack next to the kiosk's index.html (dist/renderer/voice), as the web host and Electron's app:// serve it. */
async function loadManifest(base: URL): Promise<VoiceManifest | undefined> {
  const res = await fetch(new URL(MANIFEST_FILE, base));
  if (!res.ok) return undefined;
  const parsed = VoiceManifestSchema.safeParse(await res.json());
  return parsed.success ? parsed.data : undefined;
}

/** The spoken guide: one SpeechPlayer on WebAudio for the kiosk (VoiceNotice shows when a prompt cannot be said). */
export function SpeechProvider({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const bridge = useBridge();
  const [state, setState] = useState<SpeechState>({ speaking: undefined, unavailable: false });
  const { player, backend } = useMemo(() => {
    const base = new URL(`${VOICE_DIR}/`, document.baseURI);
    const backend = new WebAudioBackend();
    const player = new SpeechPlayer({
      backend,
      loadManifest: () => loadManifest(base),
      urlOf: (file) => new URL(file, base).href,
      hash: textHash,
      onChange: setState,
      log: (line, failure) => {
        console.warn(line);
        // Into cabin main's log too, where whoever looks after the cabin reads it.
        // Best effort: the bridge may be down, which is often why prompts fail; never an unhandled rejection.
        bridge.call('voice:unavailable', failure).catch(() => {});
      },
    });
    return { player, backend };
  }, [bridge]);

  useEffect(() => {
    // Without Chromium's autoplay flag the context starts suspended: the first touch lets it speak.
    const touch = (): void => backend.resume();
    window.addEventListener('pointerdown', touch, true);
    window.addEventListener('keydown', touch, true);
    return () => {
      window.removeEventListener('pointerdown', touch, true);
      window.removeEventListener('keydown', touch, true);
      player.stop();
    };
  }, [player, backend]);

  const language = i18n.language;
  const say = useCallback((keys: readonly string[]) => player.say(language, keys.map((key) => ({ key, text: t(key) }))), [player, language, t]);
  const stop = useCallback(() => player.stop(), [player]);
  const value = useMemo(() => ({ ...state, say, stop }), [state, say, stop]);

  return (
    <SpeechContext.Provider value={value}>
      {children}
    </SpeechContext.Provider>
  );
}

export const useSpeech = (): Speech => useContext(SpeechContext);

/** Props of an element that is said: `data-voice` names its key, the `speaking` class marks it while it is heard. */
export function useSpoken(): (key: string, className?: string) => { 'data-voice': string; className: string | undefined } {
  const { speaking } = useSpeech();
  return useCallback(
    (key, className) => ({ 'data-voice': key, className: [className, speaking === key ? 'speaking' : undefined].filter(Boolean).join(' ') || undefined }),
    [speaking],
  );
}
