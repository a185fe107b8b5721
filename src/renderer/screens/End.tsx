import { useTranslation } from 'react-i18next';
import { useCall } from '../call/context.tsx';
import { visitSummary } from '../format/summary.ts';
import { endWords } from '../state/end-words.ts';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';
import { useCabin } from '../state/cabin.tsx';
import { EndPrint } from './EndPrint.tsx';

/** The visit's measurements for the patient (one pulse, saying which device), what to do now, one big button to leave. */
export function End() {
  const { t, i18n } = useTranslation();
  const { readings, act } = useCabin();
  const rows = visitSummary(readings, i18n.language);
  const call = useCall();
  const { sent, next } = endWords(call.doctorJoined, call.view !== null && call.view.state !== 'off');
  const spoken = useSpoken();
  // The values are not said: numbers cannot be recorded ahead; the words around them are.
  useAutoSpeak(rows.length === 0 ? ['end.title', 'end.none', next] : ['end.title', 'end.summary', ...(sent ? [sent] : []), next]);
  return (
    <section className="screen screen-end" data-testid="screen-end">
      <h1 {...spoken('end.title')}>{t('end.title')}</h1>
      <div className="screen-body">
      {rows.length === 0 ? (
        <p {...spoken('end.none', 'lead')}>{t('end.none')}</p>
      ) : (
        <>
          <p {...spoken('end.summary', 'lead')}>{t('end.summary')}</p>
          <dl className="summary">
            {rows.map(({ measure, text, from }) => (
              <div key={measure.id} className="summary-row" data-from={from}>
                <dt>
                  {t(`measure.${measure.id}`)}
                  {from && <span className="summary-from" data-testid="summary-pulse-from">{t(`kioskCall.pulseFrom.${from}`)}</span>}
                  {measure.fromSettings && (
                    <span className="summary-from" data-testid={`summary-${measure.id}-settings`}>
                      {t(`end.setOnScale.${measure.id}`)}
                    </span>
                  )}
                </dt>
                <dd>
                  <span className="summary-value" data-testid={`summary-${measure.id}`}>
                    {text}
                  </span>{' '}
                  <span className="summary-unit">{t(`unit.${measure.unit}`)}</span>
                </dd>
              </div>
            ))}
          </dl>
          {sent && (
            <p {...spoken(sent, 'note')} data-testid="end-sent" data-sent={sent}>
              {t(sent)}
            </p>
          )}
        </>
      )}
      </div>
      <EndPrint />
      <p {...spoken(next, 'next-step')} data-testid="next-step">
        {t(next)}
      </p>
      <div className="actions">
        <button type="button" className="btn btn-primary btn-huge" onClick={() => void act('session:end', { from: 'end' })} data-testid="finish">
          {t('end.finish')}
        </button>
      </div>
    </section>
  );
}
