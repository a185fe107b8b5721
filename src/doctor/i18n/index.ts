import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

export type Language = 'fr' | 'en';
/** Every string the console shows, by language (French first). */
export const TRANSLATIONS = { fr, en } as const;

/** An i18next instance with both languages loaded synchronously; nothing stored in the browser. */
export function createI18n(language: Language = 'fr'): i18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources: { fr: { translation: fr }, en: { translation: en } },
    lng: language,
    fallbackLng: 'fr',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  });
  return instance;
}
