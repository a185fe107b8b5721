import type { i18n } from 'i18next';
import { createI18n as createFor } from '../../browser/i18n.ts';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '../../shared/language.ts';
import type { StorageLike } from '../state/session-hint.ts';
import ar from './ar.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

/** Every string the console shows, by language (French first). */
export const TRANSLATIONS = { fr, en, ar } as const;

export const createI18n = (language: Language = DEFAULT_LANGUAGE): i18n => createFor(TRANSLATIONS, language);

const KEY = 'cabin-doctor.language';

/**
 * The language the doctor chose in this browser (the header's switch), French when none was chosen: never the
 * browser's own language, which is often English on a French doctor's computer. Anything else kept there is ignored.
 */
export function chosenLanguage(storage: StorageLike | undefined): Language {
  try {
    const kept = storage?.getItem(KEY);
    return isLanguage(kept) ? kept : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/** Keeps each language the doctor switches to, for the next visit. */
export function rememberLanguage(instance: i18n, storage: StorageLike | undefined): void {
  instance.on('languageChanged', (language: string) => {
    if (!isLanguage(language)) return;
    try {
      storage?.setItem(KEY, language);
    } catch {
      // Private mode or storage full: the choice lasts until the page is closed.
    }
  });
}
