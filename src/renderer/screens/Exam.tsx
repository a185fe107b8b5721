import { useMachine } from '@xstate/react';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CallBanner } from '../call/CallBanner.tsx';
import { DoctorVideo } from '../call/DoctorVideo.tsx';
import { VideoPreview } from '../components/VideoPreview.tsx';
import { examFlow } from '../exam/flow.ts';
import { examSteps } from '../exam/steps.ts';
import { useMedia } from '../media/context.tsx';
import { useCabin } from '../state/cabin.tsx';
import { ExamStep } from './ExamStep.tsx';

/** The guided examination: one step per plugged device category, then the end of the exam. */
export function Exam() {
  const { t } = useTranslation();
  const { devices, readings, act } = useCabin();
  const media = useMedia();
  const steps = useMemo(() => examSteps(devices.values()), [devices]);
  const [state, send] = useMachine(examFlow);
  useEffect(() => send({ type: 'steps', steps: steps.map((s) => s.category) }), [steps, send]);

  const current = steps.find((s) => s.category === state.context.current) ?? steps[0];
  const index = current ? steps.indexOf(current) : -1;
  const last = index === steps.length - 1;
  const finish = (): void => void act('session:end', { from: 'exam' });

  return (
    <section className="screen screen-exam" data-testid="screen-exam">
      <CallBanner />
      <header className="exam-header">
        <div>
          {current && <p className="progress">{t('exam.progress', { current: index + 1, total: steps.length })}</p>}
          <h1>{current ? t(`step.${current.category}.title`) : t('exam.noDevices')}</h1>
        </div>
        <div className="exam-media">
          <DoctorVideo />
          {media.otoscope && <VideoPreview stream={media.otoscope} label={t('exam.otoscope')} testId="otoscope-preview" />}
          {media.camera && <VideoPreview stream={media.camera} label={t('exam.camera')} className="preview-small" testId="camera-preview" />}
        </div>
      </header>
      {current ? (
        <ExamStep
          key={current.category}
          step={current}
          readings={readings}
          onCommand={(name) => void act('devices:command', { deviceId: current.device.id, name })}
        />
      ) : (
        <p className="lead">{t('exam.noDevicesHint')}</p>
      )}
      <nav className="actions actions-split">
        {index > 0 ? (
          <button type="button" className="btn btn-secondary btn-big" onClick={() => send({ type: 'back' })} data-testid="back">
            ← {t('exam.back')}
          </button>
        ) : (
          <span />
        )}
        {current && !last ? (
          <button type="button" className="btn btn-primary btn-big" onClick={() => send({ type: 'next' })} data-testid="next">
            {t('exam.next')} →
          </button>
        ) : (
          <button type="button" className="btn btn-primary btn-big" onClick={finish} data-testid="end-exam">
            {t('exam.finish')}
          </button>
        )}
      </nav>
    </section>
  );
}
