import type { TrackKind } from '../../shared/hub-protocol.ts';

/** The part of an RTCRtpTransceiver the mapping reads (a plain object in tests). */
export interface TransceiverLike {
  readonly mid: string | null;
  readonly direction: string;
  readonly currentDirection?: string | null;
  readonly receiver: { readonly track: TrackLike | null };
}
export interface TrackLike {
  readonly id: string;
  readonly readyState: string;
}

export type CabinMedia<S> = Partial<Record<TrackKind, S>>;

/**
 * The cabin's tracks by what they carry: the cabin names its mids (`tracks` of each signal: camera, voice,
 * stethoscope, otoscope); each live received track gets one stream, kept for as long as the track lives so a
 * `<video>` is not reset on every renegotiation. Our own `doctor-*` mids and sendonly transceivers are left out.
 */
export class MediaMap<S = MediaStream, T extends TrackLike = MediaStreamTrack> {
  private readonly streamsByTrack = new Map<string, S>();

  constructor(private readonly makeStream: (track: T) => S = (track) => new MediaStream([track as unknown as MediaStreamTrack]) as S) {}

  map(transceivers: readonly TransceiverLike[], kinds: Readonly<Record<string, TrackKind>>): CabinMedia<S> {
    const media: CabinMedia<S> = {};
    for (const t of transceivers) {
      const kind = t.mid ? kinds[t.mid] : undefined;
      const track = t.receiver.track as T | null;
      if (!kind || kind.startsWith('doctor-') || !track || track.readyState === 'ended') continue;
      // Only what the cabin sends us: our own sendonly transceivers have receivers too.
      const dir = t.currentDirection ?? t.direction;
      if (dir !== 'recvonly' && dir !== 'sendrecv') continue;
      let stream = this.streamsByTrack.get(track.id);
      if (stream === undefined) {
        stream = this.makeStream(track);
        this.streamsByTrack.set(track.id, stream);
      }
      media[kind] = stream;
    }
    return media;
  }

  /** A new peer connection: its tracks are new. */
  clear(): void {
    this.streamsByTrack.clear();
  }
}

/** Same kinds with the same streams: nothing to redraw. */
export function sameMedia<S>(a: CabinMedia<S>, b: CabinMedia<S>): boolean {
  const ka = Object.keys(a) as TrackKind[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** What our own mids carry (camera or microphone of the doctor), sent with every description; undefined: none yet. */
export function doctorTracks(transceivers: readonly { readonly mid: string | null; readonly sender: { readonly track: { readonly kind: string } | null } }[]): Record<string, TrackKind> | undefined {
  const tracks: Record<string, TrackKind> = {};
  for (const t of transceivers) {
    const track = t.sender.track;
    if (!track || !t.mid) continue;
    tracks[t.mid] = track.kind === 'video' ? 'doctor-camera' : 'doctor-voice';
  }
  return Object.keys(tracks).length > 0 ? tracks : undefined;
}
