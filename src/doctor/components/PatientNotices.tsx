import { useTranslation } from 'react-i18next';
import type { ConsultationView } from '../../shared/hub-protocol.ts';
import { numberLocale } from '../../shared/language.ts';
import { useConsole, useController } from '../state/hooks.ts';

/**
 * What the cabin said about its patient during this consultation: that the visit ended there, and why (the call is
 * over, the notes and the report are still to do), and that the patient is calling the assistant in the room.
 */
export function PatientNotices({ consultation }: { consultation: ConsultationView }) {
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
      {left && (
        <div className="banner banner-warn" role="status" data-testid="cabin-left" data-reason={left.reason ?? 'unknown'}>
          <strong>{t('visitEnd.title')}</strong>
          <span>{t(`visitEnd.${left.reason ?? 'unknown'}`)}</span>
          <span>{t('visitEnd.notes')}</span>
        </div>
      )}
    </>
  );
}
