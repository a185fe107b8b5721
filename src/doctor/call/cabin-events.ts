import { DoctorEventSchema, MAX_EVENT_BYTES, type CabinEvent, type DoctorEvent } from '../../shared/telemetry.ts';
import type { CallSnapshot, SnapshotView } from './call.ts';
import type { Observation, ObservationLog } from './observations.ts';
import type { WaveformStreams } from './pleth.ts';
import type { SnapshotAssembler } from './snapshot.ts';

/** The page was opened with `?probe`: each new observation is also announced as a window event. */
const PROBE = typeof location !== 'undefined' && new URLSearchParams(location.search).has('probe');

export interface CabinEventDeps {
  observations: ObservationLog;
  /** Every copy of an observation (`fresh`: the first of its id), to queue it for the report and acknowledge it. */
  onObservation: (o: Observation, fresh: boolean) => void;
  waves: WaveformStreams;
  assembler: SnapshotAssembler;
  /** The id of the snapshot request in flight: the cabin answers it with a command-result too. */
  snapshotRequest: string | undefined;
  log: (message: string) => void;
}

const receivedNow = (): number => performance.timeOrigin + performance.now();

/**
 * What a call shows of its patient, emptied when the patient leaves: readings (kept as known ids, so a resent copy
 * is still dropped), snapshots, command results. The report has them already.
 */
export function patientGone(state: CallSnapshot, observations: ObservationLog): Partial<CallSnapshot> {
  observations.forget();
  for (const shot of state.snapshots) URL.revokeObjectURL(shot.url);
  return { observations: [], earlier: [], snapshots: [], snapshotPending: false, snapshotError: undefined, snapshotDetail: undefined, commands: [] };
}

/**
 * What one validated message of the cabin's `events` channel changes in the call's view (undefined: nothing shown
 * changes). Observations are kept once per id; every copy goes to `onObservation` (which acknowledges it when safe).
 */
export function applyCabinEvent(state: CallSnapshot, e: CabinEvent, d: CabinEventDeps): Partial<CallSnapshot> | undefined {
  switch (e.type) {
    case 'observation': {
      const receivedAt = receivedNow();
      const fresh = d.observations.add(e, receivedAt);
      d.onObservation(e, fresh);
      if (!fresh) return undefined;
      // For measurements only (the latency benchmark, the end-to-end test): opt in with `?probe` in the URL.
      if (PROBE) window.dispatchEvent(new CustomEvent('cabin:observation', { detail: { id: e.id, code: e.code, value: e.value, t: e.t, receivedAt } }));
      return { observations: d.observations.shown() };
    }
    case 'status': {
      const statuses = new Map(state.statuses);
      statuses.set(e.deviceId, { status: e.status, t: e.t, ...(e.detail ? { detail: e.detail } : {}) });
      return { statuses };
    }
    case 'devices':
      return { devices: e.devices };
    case 'stream':
      d.waves.declare({ stream: e.stream, deviceId: e.deviceId, code: e.code, rate: e.rate, t0: e.t0 });
      return undefined;
    case 'command-result': {
      if (e.id === d.snapshotRequest) {
        // An error means no picture will come.
        return e.ok ? undefined : { snapshotPending: false, snapshotError: 'failed', snapshotDetail: e.error ?? '' };
      }
      return {
        commands: state.commands.map((c) => (c.id === e.id ? { ...c, state: e.ok ? ('ok' as const) : ('error' as const), ...(e.error ? { error: e.error } : {}) } : c)),
      };
    }
    case 'snapshot': {
      const r = d.assembler.add(e);
      if (r.done) {
        const { snapshot } = r;
        const url = URL.createObjectURL(new Blob([snapshot.bytes as BlobPart], { type: snapshot.mime }));
        const view: SnapshotView = { id: snapshot.id, url, width: snapshot.width, height: snapshot.height, mime: snapshot.mime };
        return { snapshots: [...state.snapshots, view], snapshotPending: false, snapshotError: undefined };
      }
      if (r.error) {
        d.log(r.error);
        return { snapshotPending: false, snapshotError: 'invalid' };
      }
      return undefined;
    }
    case 'session': {
      const session = { sessionId: e.sessionId, phase: e.phase, language: e.language };
      const before = state.session?.sessionId;
      // Another patient (or none) in the cabin: nothing of the one before may stay on the doctor's screen.
      if (before && before !== e.sessionId) return { ...patientGone(state, d.observations), session };
      return { session };
    }
    case 'link':
      return state.cabinLink === e.level ? undefined : { cabinLink: e.level };
    case 'doctor-video':
      return state.patientView === e.state ? undefined : { patientView: e.state };
    case 'storage':
      return state.cabinDiskFull === e.diskFull ? undefined : { cabinDiskFull: e.diskFull };
  }
}

/** A doctor → cabin message as sent on `events`; undefined when it breaks the contract or is too large. */
export function encodeDoctorEvent(e: DoctorEvent): string | undefined {
  const checked = DoctorEventSchema.safeParse(e);
  if (!checked.success) return undefined;
  const text = JSON.stringify(checked.data);
  return text.length > MAX_EVENT_BYTES ? undefined : text;
}
