import { useTranslation } from 'react-i18next';
import type { Language } from '../../shared/language.ts';
import type { CallSnapshot } from '../call/call.ts';

/** Where the patient is in the cabin's visit, and the language they speak: one label per fact, read as a sentence. */
export function PatientSession({ session, language }: { session: CallSnapshot['session']; language: Language }) {
  const { t } = useTranslation();
  const phase = session ? t(`phase.${session.phase}`, { defaultValue: session.phase }) : t('session.none');
  return (
    <p className="session" data-testid="patient-session" data-phase={session?.phase ?? ''} data-language={session?.language ?? language}>
      {t('session.phase', { phase })} · {t('session.language', { language: t(`patientLanguage.${session?.language ?? language}`) })}
    </p>
  );
}
