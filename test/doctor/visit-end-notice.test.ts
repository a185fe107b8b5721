import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { VisitEndNotice } from '../../src/doctor/components/PatientNotices.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { ConsultationView, LeaveReason } from '../../src/shared/hub-protocol.ts';
import type { Language } from '../../src/shared/language.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0\u202f]+/g, ' ').trim();
const render = (left: ConsultationView['cabinLeft'], away = false, language: Language = 'fr') =>
  text(renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(VisitEndNotice, { left, away }))));
const leftFor = (reason?: LeaveReason) => ({ at: 5_000, ...(reason ? { reason } : {}) });

describe('the doctor told why the cabin is no longer in the call', () => {
  it('a cabin whose connection never came back is said to be disconnected, not the patient gone', () => {
    const fr = render(leftFor('gone'));
    expect(fr).toMatch(/^La cabine n’est plus connectée /);
    expect(fr).toContain('l’appel est terminé et ne reprendra pas, même si elle revient. Le patient est peut-être encore dans la cabine.');
    expect(fr).not.toContain('Le patient a quitté');
    expect(render(leftFor('gone'), false, 'en')).toMatch(/^The cabin is no longer connected /);
    expect(render(leftFor('gone'), false, 'ar')).toMatch(/^المقصورة لم تعد متصلة /);
  });

  it('a cabin that left without a reason is not said to be the patient leaving either', () => {
    expect(render(leftFor())).toBe('La visite est terminée dans la cabine La cabine a quitté la consultation sans en donner la raison. Vous pouvez encore écrire vos notes et enregistrer le compte rendu.');
    expect(render(leftFor('patient'))).toContain('La visite est terminée dans la cabine Le patient a terminé la visite.');
  });

  it('a cabin away for now (not left): the consultation may resume when it comes back', () => {
    expect(render(undefined, true)).toBe('La cabine n’est plus connectée au serveur. La consultation reprend si elle revient d’ici quelques minutes ; sinon, l’appel sera terminé et vous en serez averti.');
    expect(render(undefined, true, 'en')).toContain('The consultation resumes if it comes back within a few minutes');
    expect(render(undefined, false)).toBe('');
    // Left wins over away: the call is over whatever the presence says.
    expect(render(leftFor('idle'), true)).not.toContain('reprend');
  });

  it('a consultation the hub cancelled is not said to be the patient leaving', () => {
    expect(createI18n('fr').t('notice.cancelled')).toBe('La consultation a été annulée\u00a0: elle est close.');
  });
});
