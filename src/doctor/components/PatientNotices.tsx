import { useTranslation } from 'react-i18next';
import type { ConsultationView } from '../../shared/hub-protocol.ts';
import { numberLocale } from '../../shared/language.ts';
import { useConsole, useController } from '../state/hooks.ts';

/**
 * What the cabin said about its patient during this consultation: that the visit ended there, and why (the call is
 * over, the notes and the report are still to do), and that the patient is calling the assistant in the room.
 */
export function PatientNotices({ consultation, away = false }: { consultation: ConsultationView; away?: boolean }) {
  const { t, i18n } = useTranslation();
  const controller = useController();
  const { help } = useConsole();
  const left = consultation.cabinLeft;
  const time = (ms: number): string => new Date(ms).toLocaleTimeString(numberLocale(i18n.language), { hour: '2-digit', minute: '2-digit' });
  return (
    <>
      {help?.consultationId === consultation.consultationId && !left && (
        <p className="banner banner-warn" role="alert" data-testid="patient-help">
          {t('patientHelp.text', { time: time(help.at) })}
          <button type="button" className="btn" onClick={() => controller.dismissHelp()}>
            {t('patientHelp.dismiss')}
          </button>
        </p>
      )}
      <VisitEndNotice left={left} away={away} />
    </>
  );
}

/**
 * A lost connection is not the patient leaving. `away`: the hub says the cabin is not connected and it has not left,
 * so the consultation resumes if it comes back within the hub's grace period. 'gone': it did not, and the call is
 * over, but nobody knows whether the patient left. Any other reason: the cabin ended the visit, and said why.
 */
export function VisitEndNotice({ left, away }: { left: ConsultationView['cabinLeft']; away: boolean }) {
  const { t } = useTranslation();
  if (!left) {
    return away ? (
      <p className="banner banner-warn" role="status" data-testid="cabin-away">
        {t('visitEnd.away')}
      </p>
    ) : null;
  }
  return (
    <div className="banner banner-warn" role="status" data-testid="cabin-left" data-reason={left.reason ?? 'unknown'}>
      <strong>{t(left.reason === 'gone' ? 'visitEnd.titleGone' : 'visitEnd.title')}</strong>
      <span>{t(`visitEnd.${left.reason ?? 'unknown'}`)}</span>
      <span>{t('visitEnd.notes')}</span>
    </div>
  );
}
