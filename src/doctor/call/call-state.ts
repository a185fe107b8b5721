import type { AudioReadingsInDeps } from './audio-readings.ts';
import type { NetCheck } from '../../shared/netcheck.ts';
import type { IceServer, SignalData, TrackKind } from '../../shared/hub-protocol.ts';
import type { CabinEvent, CallDevice, DoctorVideoState, LinkLevel } from '../../shared/telemetry.ts';
import type { Observation, ReceivedObservation, StoredObservation } from './observations.ts';
import type { DeviceStatusView } from './vitals.ts';

/** What the call shows: its state as one immutable snapshot (a new object on every change). */
export type RtcState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface CommandView {
  id: string;
  deviceId: string;
  name: string;
  state: 'pending' | 'ok' | 'error';
  error?: string;
}
export interface SnapshotView {
  id: string;
  url: string;
  width: number;
  height: number;
  mime: string;
}
export interface CallSnapshot {
  rtc: RtcState;
  channelOpen: boolean;
  media: Partial<Record<TrackKind, MediaStream>>;
  devices: CallDevice[];
  statuses: ReadonlyMap<string, DeviceStatusView>;
  observations: readonly ReceivedObservation[];
  /** Readings the hub stored before this console (re)opened the call: the vitals show them until live ones come. */
  earlier: readonly StoredObservation[];
  session: Omit<Extract<CabinEvent, { type: 'session' }>, 'type'> | undefined;
  commands: readonly CommandView[];
  snapshots: readonly SnapshotView[];
  snapshotPending: boolean;
  snapshotError: string | undefined;
  /** The cabin's reason when it could not take the snapshot. */
  snapshotDetail: string | undefined;
  /** The doctor's own camera and microphone are sent. */
  sending: boolean;
  /** The doctor's own camera and microphone (the self-view), once opened. */
  local: MediaStream | undefined;
  /** The cabin's uplink level: below 'full' the patient camera is reduced or paused on purpose. */
  cabinLink: LinkLevel;
  /** How the doctor's video reaches the patient, as the cabin says ('none' until it says: an older cabin never does). */
  patientView: DoctorVideoState;
  /** The cabin's disk is full: its readings are not being kept (the cabin says so on `events`). */
  cabinDiskFull: boolean;
}

export interface CallOptions {
  iceServers: IceServer[];
  /** 'relay': every packet through TURN (the hub's choice). */
  iceTransportPolicy?: 'all' | 'relay';
  sendSignal: (data: SignalData) => boolean;
  incident: (detail: string) => void;
  /**
   * Each copy of an observation from the cabin (`fresh`: the first of its id). The receiver acknowledges it with
   * `ack` when it is safe; without one, every copy is acknowledged at once.
   */
  onObservation?: (o: Observation, fresh: boolean) => void;
  log?: (message: string) => void;
  /** The cabin's pre-call network check (the queue item's): the doctor's camera starts capped to it. */
  netCheck?: NetCheck;
  /** The worker and transform that take readings off the cabin's voice packets (default: the browser's; audio-readings.ts). */
  carrier?: Pick<AudioReadingsInDeps, 'carrier' | 'transform'>;
}

/** A call's view before anything happened. */
export function initialCallSnapshot(): CallSnapshot {
  return {
    rtc: 'connecting',
    channelOpen: false,
    media: {},
    devices: [],
    statuses: new Map(),
    observations: [],
    earlier: [],
    session: undefined,
    commands: [],
    snapshots: [],
    snapshotPending: false,
    snapshotError: undefined,
    snapshotDetail: undefined,
    sending: false,
    local: undefined,
    cabinLink: 'full',
    patientView: 'none',
    cabinDiskFull: false,
  };
}
