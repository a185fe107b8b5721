import type { i18n } from 'i18next';
import { createI18n as createFor } from '../../browser/i18n.ts';
import { DEFAULT_LANGUAGE, type Language } from '../../shared/language.ts';
import ar from './ar.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

/** Every string the console shows, by language (French first). */
export const TRANSLATIONS = { fr, en, ar } as const;

export const createI18n = (language: Language = DEFAULT_LANGUAGE): i18n => createFor(TRANSLATIONS, language);
