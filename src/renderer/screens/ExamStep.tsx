import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Reading } from '../../shared/bridge.ts';
import { ListenButton } from '../components/ListenButton.tsx';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';
import { PICTURES, PressStartPicture } from '../components/pictures/index.ts';
import { Pleth } from '../components/Pleth.tsx';
import { SignalBadge } from '../components/SignalBadge.tsx';
import { StepValues } from '../components/StepValues.tsx';
import { measureState, readingIds, stepInstructionKey, stepSignal, stepValues } from '../exam/step-values.ts';
import type { ExamStep as Step } from '../exam/steps.ts';
import { useCabin } from '../state/cabin.tsx';

/** One device of the exam: picture and instruction, signal state, live values (and pleth, BP start). */
export function ExamStep({ step, readings, compact = false, onCommand }: { step: Step; readings: ReadonlyMap<string, Reading>; compact?: boolean; onCommand(name: string): void }) {
  const { t, i18n } = useTranslation();
  const { category, device } = step;
  const Picture = PICTURES[category];
  // Only readings of this device count: the other devices' values are shown on their own steps.
  const { main, minor } = stepValues(category, readings, device.id, i18n.language);
  // What was there when the step opened was not measured here: no "Mesure réussie" for it.
  const [before] = useState(() => readingIds(readings));
  // Main hears which device's step is open, and when it closes (the demo's simulated patient then uses the device).
  const { act } = useCabin();
  useEffect(() => {
    void act('exam:step', { deviceId: device.id }, { quiet: true });
    return () => void act('exam:step', { deviceId: null }, { quiet: true });
  }, [act, device.id]);
  const { signal, tone } = stepSignal(device, measureState(category, readings, device.id, before));
  const instructionKey = stepInstructionKey(category, device);
  const instruction = t(instructionKey);
  const canMeasure = device.commands.includes('measure');
  const spoken = useSpoken();
  useAutoSpeak([instructionKey]);
  useAutoSpeak(signal === 'press-start' ? ['exam.pressStart'] : []);
  // A Bluetooth cuff waits for its own START button: the same picture, said already by the step's instruction.
  const pressStart = signal === 'press-start' || (signal === 'use-device' && category === 'blood-pressure');

  return (
    <div className={`step${compact ? ' step-compact' : ''}`} data-testid={`step-${category}`}>
      <div className="step-guide">
        <div className="step-picture">
          {!compact && <Picture />}
          <ListenButton keys={[instructionKey]} />
        </div>
        <p {...spoken(instructionKey, 'instruction')}>{instruction}</p>
      </div>
      <div className="step-live">
        <SignalBadge signal={signal} tone={tone} />
        <StepValues main={main} minor={minor} />
        {category === 'oximeter' && <Pleth deviceId={device.id} />}
        {pressStart ? (
          <div className="press-start" role="status" data-testid="press-start">
            <PressStartPicture />
            <p {...spoken('exam.pressStart')}>{t('exam.pressStart')}</p>
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
