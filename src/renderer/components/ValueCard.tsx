import { useTranslation } from 'react-i18next';
import type { Measure } from '../format/measures.ts';

/** One live value, large: its name, the number and its unit. */
export function ValueCard({ measure, text }: { measure: Measure; text: string | undefined }) {
  const { t } = useTranslation();
  return (
    <div className={`value-card${text === undefined ? ' value-card-empty' : ''}`}>
      <span className="value-label">{t(`measure.${measure.id}`)}</span>
      <span className="value-number" data-testid={`value-${measure.id}`}>
        {text ?? t('exam.waiting')}
      </span>
      <span className="value-unit">{t(`unit.${measure.unit}`)}</span>
    </div>
  );
}
