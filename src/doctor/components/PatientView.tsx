import { useTranslation } from 'react-i18next';
import type { DoctorVideoState } from '../../shared/telemetry.ts';

/** What the cabin says of the doctor's video: shown only when the patient does not see it (stalled, then given up). */
export function PatientView({ state }: { state: DoctorVideoState }) {
  const { t } = useTranslation();
  if (state !== 'stalled' && state !== 'failed') return null;
  return (
    <p className={`banner banner-${state === 'failed' ? 'bad' : 'warn'}`} role="status" aria-live="polite" data-testid="patient-view" data-state={state}>
      {t(`patientView.${state}`)}
    </p>
  );
}
