import { useTranslation } from 'react-i18next';
import type { Reading } from '../../shared/bridge.ts';
import { ListenButton } from '../components/ListenButton.tsx';
import { PICTURES, PressStartPicture } from '../components/pictures/index.ts';
import { Pleth } from '../components/Pleth.tsx';
import { SignalBadge } from '../components/SignalBadge.tsx';
import { ValueCard } from '../components/ValueCard.tsx';
import { signalState } from '../exam/signal.ts';
import type { ExamStep as Step } from '../exam/steps.ts';
import { formatMeasure, MEASURES, OPTIONAL_MEASURES } from '../format/measures.ts';

/** One device of the exam: picture and instruction, signal state, live values (and pleth, BP start). */
export function ExamStep({ step, readings, onCommand }: { step: Step; readings: ReadonlyMap<string, Reading>; onCommand(name: string): void }) {
  const { t, i18n } = useTranslation();
  const { category, device } = step;
  const Picture = PICTURES[category];
  const values = MEASURES[category]
    .map((m) => ({ measure: m, text: formatMeasure(m, readings, i18n.language) }))
    .filter((v) => v.text !== undefined || !OPTIONAL_MEASURES.has(v.measure.id));
  // Only readings of this device count: the other devices' values are shown on their own steps.
  const hasValue = values.some((v) => v.measure.codes.some((c) => readings.get(c)?.deviceId === device.id));
  const { signal, tone } = signalState(device, hasValue);
  const instruction = t(`step.${category}.instruction`);
  const canMeasure = device.commands.includes('measure');

  return (
    <div className="step" data-testid={`step-${category}`}>
      <div className="step-guide">
        <div className="step-picture">
          <Picture />
          <ListenButton text={instruction} />
        </div>
        <p className="instruction">{instruction}</p>
      </div>
      <div className="step-live">
        <SignalBadge signal={signal} tone={tone} />
        <div className="values">
          {values.map(({ measure, text }) => (
            <ValueCard key={measure.id} measure={measure} text={text} />
          ))}
        </div>
        {category === 'oximeter' && <Pleth deviceId={device.id} />}
        {signal === 'press-start' ? (
          <div className="press-start" role="status" data-testid="press-start">
            <PressStartPicture />
            <p>{t('exam.pressStart')}</p>
          </div>
        ) : (
          canMeasure && (
            <button type="button" className="btn btn-primary btn-big" onClick={() => onCommand('measure')} data-testid="measure">
              {t('exam.measure')}
            </button>
          )
        )}
      </div>
    </div>
  );
}
