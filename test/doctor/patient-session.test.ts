import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { PatientSession } from '../../src/doctor/components/PatientSession.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { Language } from '../../src/shared/language.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const exam = { sessionId: 's1', phase: 'exam' as const, language: 'ar' as const };
const render = (language: Language, session: typeof exam | undefined) =>
  text(renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(PatientSession, { session, language: 'fr' }))));

describe("the patient's visit step in the consultation", () => {
  it('names each fact once, as a sentence, in each language', () => {
    expect(render('fr', exam)).toBe('Étape de la visite : examen · Langue du patient : arabe');
    expect(render('en', exam)).toBe('Visit step: examination · Patient’s language: Arabic');
    expect(render('ar', exam)).toBe('مرحلة الزيارة: الفحص · لغة المريض: العربية');
    for (const l of ['fr', 'en', 'ar'] as const) expect(render(l, exam)).not.toMatch(/:.*:.*:/);
  });

  it('before the cabin says where the visit is: the step is not known yet, the language is the request’s', () => {
    expect(render('fr', undefined)).toBe('Étape de la visite : pas encore connue · Langue du patient : français');
  });
});
