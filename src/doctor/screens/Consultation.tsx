import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsultationView } from '../../shared/hub-protocol.ts';
import type { Call } from '../call/call.ts';
import type { HubState } from '../hub/client.ts';
import { hubErrorText } from '../hub/hub-error.ts';
import { ConnectionState } from '../components/ConnectionState.tsx';
import { CutNotice } from '../components/CutNotice.tsx';
import { Devices } from '../components/Devices.tsx';
import { MediaView } from '../components/MediaView.tsx';
import { PatientCard } from '../components/PatientCard.tsx';
import { ReportDownloads } from '../components/ReportDownloads.tsx';
import { PatientView } from '../components/PatientView.tsx';
import { PatientNotices } from '../components/PatientNotices.tsx';
import { PatientSession } from '../components/PatientSession.tsx';
import { Pleth } from '../components/Pleth.tsx';
import { SelfView } from '../components/SelfView.tsx';
import { useFocusOnMount } from '../components/use-focus-on-mount.ts';
import { Snapshot } from '../components/Snapshot.tsx';
import { Stethoscope } from '../components/Stethoscope.tsx';
import { Vitals } from '../components/Vitals.tsx';
import { useCall, useController } from '../state/hooks.ts';
import { NOTES_TOO_LARGE } from '../state/console.ts';
import { cabinLiveness } from '../call/liveness.ts';

interface Props {
  consultation: ConsultationView;
  call: Call;
  hub: HubState;
  /** The hub answered since the console's connection to it last dropped: `peerPresent` is current. */
  presenceKnown: boolean;
  ending: boolean;
  endError: string | undefined;
}

/**
 * The live consultation in three columns that fit the screen (1280×800 and up): the patient (camera with the
 * doctor's self-view, vitals, pleth), the instruments (otoscope, stethoscope, devices, snapshot), and the notes
 * with "End", always in view. A column with more than fits scrolls by itself; the page does not.
 */
export function Consultation({ consultation, call, hub, presenceKnown, ending, endError }: Props) {
  const { t } = useTranslation();
  const controller = useController();
  const snap = useCall(call);
  const [notes, setNotes] = useState('');
  const [confirming, setConfirming] = useState(false);
  const session = snap.session;
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const peer = presenceKnown ? consultation.peerPresent : undefined;
  // The last picture and device states are not shown as live while the cabin does not answer.
  const liveness = cabinLiveness(peer, snap.rtc);
  const stale = liveness === 'live' ? undefined : t(`media.stale.${liveness}`);

  return (
    <section className="consultation" data-testid="consultation" data-consultation-id={consultation.consultationId}>
      <div className="consult-top">
        <h2 ref={heading} tabIndex={-1} data-testid="consultation-title">
          {t('consultation.title', { cabin: consultation.cabinName })}
        </h2>
        {/* The patient went home: the call is over, not failing (no "absent, retrying"). */}
        {!consultation.cabinLeft && <ConnectionState hub={hub} peer={peer} rtc={snap.rtc} cabinLink={snap.cabinLink} />}
        {!consultation.cabinLeft && <CutNotice rtc={snap.rtc} />}
        {!consultation.cabinLeft && snap.cabinDiskFull && (
          <p className="banner banner-bad" role="alert" data-testid="cabin-disk-full">
            {t('cabinDiskFull')}
          </p>
        )}
        <PatientNotices consultation={consultation} away={presenceKnown && !consultation.peerPresent} />
        <PatientSession session={session} language={consultation.language} />
        <p className="count" data-testid="observations-count" data-count={snap.observations.length}>
          {t('consultation.observations', { count: snap.observations.length })}
        </p>
      </div>

      <div className="consult-grid">
        <div className="col-media" tabIndex={0}>
          <figure className="video-main card">
            <div className="video-frame">
              <MediaView kind="video" stream={snap.media.camera} testId="video-camera" className="video video-camera" label={t('media.camera')} stale={stale} />
              <SelfView stream={snap.local} />
            </div>
            <figcaption>{snap.media.camera ? t('media.camera') : `${t('media.camera')} — ${t('media.noVideo')}`}</figcaption>
          </figure>
          <MediaView kind="audio" stream={snap.media.voice} testId="audio-voice" label={t('media.voice')} />
          {/* Gone with the patient: nothing is sent any more, and the cabin's devices and sound are no longer live. */}
          {!consultation.cabinLeft && <p className="note">{snap.sending ? t('media.sending') : t('media.notSending')}</p>}
          <PatientView state={snap.patientView} />
          <Vitals snap={snap} acceptedAt={consultation.claimedAt ?? undefined} />
          <Pleth call={call} />
        </div>
        <div className="col-side" tabIndex={0}>
          {/* One card per consultation: a draft never carries over to the next patient. */}
          <PatientCard key={consultation.consultationId} consultationId={consultation.consultationId} />
          <figure className="video-oto card">
            <MediaView kind="video" stream={snap.media.otoscope} testId="video-otoscope" className="video video-otoscope" label={t('media.otoscope')} stale={stale} />
            <figcaption>{snap.media.otoscope ? t('media.otoscope') : `${t('media.otoscope')} — ${t('media.noVideo')}`}</figcaption>
          </figure>
          {!consultation.cabinLeft && <Stethoscope stream={snap.media.stethoscope} />}
          {!consultation.cabinLeft && <Devices call={call} snap={snap} liveness={liveness} />}
          <Snapshot call={call} snap={snap} />
        </div>

      <section className="notes card" aria-label={t('consultation.notes')}>
        <label className="field">
          <span className="box-title">{t('consultation.notes')}</span>
          <textarea className="notes-text" data-testid="notes" value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={20_000} rows={6} aria-describedby="notes-help" />
        </label>
        <p id="notes-help" className="note">
          {t('consultation.notesHelp')}
        </p>
        <ReportDownloads consultationId={consultation.consultationId} />
        {endError && (
          <p className="banner banner-bad" role="alert" data-testid="end-error">
            {endError === NOTES_TOO_LARGE ? t('consultation.notesTooLarge') : t('consultation.endError', { message: hubErrorText(t, endError) })}
          </p>
        )}
        {!confirming ? (
          <button type="button" className="btn btn-danger btn-main" data-testid="end-consultation" disabled={ending} onClick={() => setConfirming(true)}>
            {ending ? t('consultation.ending') : t('consultation.end')}
          </button>
        ) : (
          <div className="confirm" role="alertdialog" aria-labelledby="end-question">
            <p id="end-question" className="confirm-q">
              {t('consultation.endQuestion')}
            </p>
            <button
              type="button"
              className="btn btn-danger btn-main"
              data-testid="end-confirm"
              onClick={() => {
                setConfirming(false);
                controller.end(notes);
              }}
            >
              {t('consultation.endConfirm')}
            </button>
            <button type="button" className="btn btn-main" data-testid="end-cancel" onClick={() => setConfirming(false)}>
              {t('consultation.endCancel')}
            </button>
          </div>
        )}
      </section>
      </div>
    </section>
  );
}
