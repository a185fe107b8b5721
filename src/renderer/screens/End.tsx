import { useTranslation } from 'react-i18next';
import { summary } from '../format/measures.ts';
import { useCabin } from '../state/cabin.tsx';

/** The visit's measurements for the patient, then one big button to leave. */
export function End() {
  const { t, i18n } = useTranslation();
  const { readings, act } = useCabin();
  const rows = summary(readings, i18n.language);
  return (
    <section className="screen screen-end" data-testid="screen-end">
      <h1>{t('end.title')}</h1>
      <div className="screen-body">
      {rows.length === 0 ? (
        <p className="lead">{t('end.none')}</p>
      ) : (
        <>
          <p className="lead">{t('end.summary')}</p>
          <dl className="summary">
            {rows.map(({ measure, text }) => (
              <div key={measure.id} className="summary-row">
                <dt>{t(`measure.${measure.id}`)}</dt>
                <dd>
                  <span className="summary-value" data-testid={`summary-${measure.id}`}>
                    {text}
                  </span>{' '}
                  <span className="summary-unit">{t(`unit.${measure.unit}`)}</span>
                </dd>
              </div>
            ))}
          </dl>
          <p className="note">{t('end.sent')}</p>
        </>
      )}
      </div>
      <div className="actions">
        <button type="button" className="btn btn-primary btn-huge" onClick={() => void act('session:end', { from: 'end' })} data-testid="finish">
          {t('end.finish')}
        </button>
      </div>
    </section>
  );
}
