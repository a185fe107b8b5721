import { useTranslation } from 'react-i18next';
import type { Measure } from '../format/measures.ts';

/** One live value: its name, the number and its unit; large, or `small` for a second value of the step. */
export function ValueCard({ measure, text, small = false }: { measure: Measure; text: string | undefined; small?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className={`value-card${text === undefined ? ' value-card-empty' : ''}${small ? ' value-card-small' : ''}`} data-size={small ? 'small' : 'main'}>
      <span className="value-label">{t(`measure.${measure.id}`)}</span>
      <span className="value-number" data-testid={`value-${measure.id}`}>
        {text ?? t('exam.waiting')}
      </span>
      <span className="value-unit">{t(`unit.${measure.unit}`)}</span>
    </div>
  );
}
