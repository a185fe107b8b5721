import { z } from 'zod';

/** The languages the kiosk, the doctor console and the hub speak; French first (the default). */
export const LANGUAGES = ['fr', 'en'] as const;
export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;
export const DEFAULT_LANGUAGE: Language = 'fr';
