import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { selectPrompts } from '../../shared/voice-pack.ts';
import { useCall } from '../call/context.tsx';
import { useSpeech } from './context.tsx';
import { autoSpeaks } from './policy.ts';

/**
 * Says `keys` when the screen or step opens (and again in a new language), and stops when it closes. Not while a
 * doctor is in the call (autoSpeaks); a prompt playing when the doctor arrives stops.
 */
export function useAutoSpeak(keys: readonly string[]): void {
  const { say } = useSpeech();
  const inCall = !autoSpeaks(useCall().view);
  const id = keys.join('\n');
  useEffect(() => {
    if (inCall || id === '') return;
    const said = say(id.split('\n'));
    return () => said.cancel();
  }, [id, inCall, say]);
}

/** The spoken keys under `prefix` in the translations' order (e.g. every paragraph of the consent, however many). */
export function useSpokenKeys(prefix: string): string[] {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(
    () => selectPrompts(i18n.getResourceBundle(language, 'translation')).map((p) => p.key).filter((k) => k.startsWith(`${prefix}.`)),
    [i18n, language, prefix],
  );
}
