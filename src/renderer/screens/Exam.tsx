import { useMachine } from '@xstate/react';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CallBanner } from '../call/CallBanner.tsx';
import { CameraPaused } from '../call/CameraPaused.tsx';
import { useCall } from '../call/context.tsx';
import { DoctorVideo } from '../call/DoctorVideo.tsx';
import { ConfirmEnd } from '../components/ConfirmEnd.tsx';
import { VideoPreview } from '../components/VideoPreview.tsx';
import { examFlow } from '../exam/flow.ts';
import { examSteps, withOtoscope } from '../exam/steps.ts';
import { useMedia } from '../media/context.tsx';
import { useSpoken } from '../speech/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';
import { useCabin } from '../state/cabin.tsx';
import { useConfirmEnd } from '../state/use-confirm-end.ts';
import { ExamStep } from './ExamStep.tsx';
import { OtoscopeStep } from './OtoscopeStep.tsx';

/**
 * The guided examination: one step per plugged device category (and the otoscope's), then the end of the exam.
 * While a doctor is there, the doctor is the main thing on the screen and the step goes beside (or below) it.
 */
export function Exam() {
  const { t, i18n } = useTranslation();
  // The arrows point the way the page reads: in Arabic « next » is on the left.
  const [backArrow, nextArrow] = i18n.dir() === 'rtl' ? ['→', '←'] : ['←', '→'];
  const { devices, readings, act, session } = useCabin();
  const media = useMedia();
  const { remote, view } = useCall();
  const steps = useMemo(() => withOtoscope(examSteps(devices.values()), !!media.otoscope), [devices, media.otoscope]);
  // A reloaded page comes back to the step main remembers for this visit.
  const [state, send] = useMachine(examFlow, { input: { resume: session?.step } });
  useEffect(() => send({ type: 'steps', steps: steps.map((s) => s.category) }), [steps, send]);

  const current = steps.find((s) => s.category === state.context.current) ?? steps[0];
  // Main keeps the open step for this visit (the otoscope's too), so a reload comes back to it.
  useEffect(() => {
    if (current) void act('exam:step', { deviceId: current.device?.id ?? null, step: current.category }, { quiet: true });
  }, [act, current?.category, current?.device?.id]);
  const index = current ? steps.indexOf(current) : -1;
  // Each step says its own instruction; with no device plugged in, the screen says why and what to do.
  useAutoSpeak(current ? [] : ['exam.noDevices', 'exam.noDevicesHint']);
  const spoken = useSpoken();
  const last = index === steps.length - 1;
  const end = (): void => void act('session:end', { from: 'exam' });
  // During the call, "finish" asks first: one tap must not hang up on the doctor.
  const { confirming, ask: finish, close: closeConfirm } = useConfirmEnd(view, end);
  const withDoctor = remote !== null;

  const heading = (
    <header className="exam-header">
      <div>
        {current && <p className="progress">{t('exam.progress', { current: index + 1, total: steps.length })}</p>}
        <h1 {...(current ? {} : spoken('exam.noDevices'))}>{current ? t(`step.${current.category}.title`) : t('exam.noDevices')}</h1>
      </div>
      {!withDoctor && media.camera && (
        <div className="exam-media">
          <VideoPreview stream={media.camera} label={t('exam.camera')} className="preview-small" testId="camera-preview" />
        </div>
      )}
    </header>
  );
  const step = !current ? (
    <p {...spoken('exam.noDevicesHint', 'lead')}>{t('exam.noDevicesHint')}</p>
  ) : current.category === 'otoscope' ? (
    <OtoscopeStep stream={media.otoscope} compact={withDoctor} />
  ) : (
    <ExamStep
      key={current.category}
      step={current}
      readings={readings}
      compact={withDoctor}
      onCommand={(name) => void act('devices:command', { deviceId: current.device.id, name })}
    />
  );

  return (
    <section className={`screen screen-exam${withDoctor ? ' exam-with-doctor' : ''}`} data-testid="screen-exam" data-doctor={withDoctor ? 'present' : 'absent'}>
      <CallBanner />
      <CameraPaused />
      {withDoctor ? (
        <div className="call-layout">
          <DoctorVideo selfView={media.camera} />
          <div className="call-step">
            {heading}
            {step}
          </div>
        </div>
      ) : (
        <>
          {heading}
          {/* The room the notices leave: the step's pictures and values are sized by it (exam.css, `step-area`). */}
          <div className="step-area">{step}</div>
        </>
      )}
      {view?.state === 'ended' && (
        <p className="call-next" role="status" data-testid="call-next">
          {t(view.endCause === 'cabin-offline' ? 'kioskCall.endedOffline' : 'kioskCall.endedNext')}
        </p>
      )}
      {confirming && (
        <ConfirmEnd
          onYes={() => {
            closeConfirm();
            end();
          }}
          onNo={() => closeConfirm()}
        />
      )}
      <nav className="actions actions-split">
        {index > 0 ? (
          <button type="button" className="btn btn-secondary btn-big" onClick={() => send({ type: 'back' })} data-testid="back">
            <span aria-hidden="true">{backArrow}</span> {t('exam.back')}
          </button>
        ) : (
          <span />
        )}
        {current && !last && view?.state !== 'ended' ? (
          <button type="button" className="btn btn-primary btn-big" onClick={() => send({ type: 'next' })} data-testid="next">
            {t('exam.next')} <span aria-hidden="true">{nextArrow}</span>
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
