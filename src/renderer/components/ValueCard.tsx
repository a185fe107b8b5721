import { useTranslation } from 'react-i18next';
import type { Measure } from '../format/measures.ts';

/**
 * One live value: its name, the number and its unit; large, or `small` for a second value of the step. `absent`: the
 * device measured and gave no number (« Pas de valeur »; the device's status asks to measure again).
 */
export function ValueCard({ measure, text, small = false, absent = false }: { measure: Measure; text: string | undefined; small?: boolean; absent?: boolean }) {
  const { t } = useTranslation();
  const noNumber = text === undefined && absent;
  return (
    <div className={`value-card${text === undefined ? ' value-card-empty' : ''}${small ? ' value-card-small' : ''}`} data-size={small ? 'small' : 'main'}>
      <span className="value-label">{t(`measure.${measure.id}`)}</span>
      <span className={`value-number${noNumber ? ' value-absent' : ''}`} data-testid={`value-${measure.id}`} {...(noNumber ? { 'data-absent': 'true' } : {})}>
        {text ?? (absent ? t('exam.absent') : t('exam.waiting'))}
      </span>
      <span className="value-unit">{t(`unit.${measure.unit}`)}</span>
    </div>
  );
}
