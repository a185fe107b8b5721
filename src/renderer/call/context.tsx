import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { BridgeClient, CallView } from '../../shared/bridge.ts';
import { useBridge } from '../bridge/context.tsx';
import { useBridgeLink } from '../bridge/use-link.ts';
import { useMedia } from '../media/context.tsx';
import { useCabin } from '../state/cabin.tsx';
import type { LocalMedia } from './peer.ts';
import { CallSession, NO_RTC, type RtcView } from './session.ts';
import { grabJpeg } from './snapshot.ts';
import { exposeStats } from './stats.ts';

export interface CallState extends RtcView {
  /** Main's view of the consultation; null while unknown or when main has no call service. */
  view: CallView | null;
  /** A doctor took this visit's call (it was active at some point during the visit). */
  doctorJoined: boolean;
}

const CallContext = createContext<CallState>({ view: null, doctorJoined: false, ...NO_RTC });

/** Main's call view: fetched once, then kept current by `call` events. */
function useCallView(bridge: BridgeClient): CallView | null {
  const [view, setView] = useState<CallView | null>(null);
  useEffect(() => {
    let fromEvent = false;
    let stopped = false;
    const off = bridge.on('call', (v) => {
      fromEvent = true;
      setView(v);
    });
    void bridge.call('call:get', {}).then((r) => {
      if (!stopped && r.ok && !fromEvent) setView(r.value);
    });
    return () => {
      stopped = true;
      off();
    };
  }, [bridge]);
  return view;
}

const trackOf = (stream: MediaStream | undefined, kind: 'audio' | 'video'): { track: MediaStreamTrack; stream: MediaStream } | undefined => {
  const track = kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0];
  return stream && track ? { track, stream } : undefined;
};

/**
 * The live consultation while the session is in the exam and a doctor has it ('active'): one CallSession,
 * closed as soon as either stops. Its connection state and the doctor's media are what screens read.
 */
export function CallProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const { session, devices } = useCabin();
  const media = useMedia();
  const view = useCallView(bridge);
  const [rtc, setRtc] = useState<RtcView>(NO_RTC);
  const call = useRef<CallSession | null>(null);
  const otoscope = useRef<MediaStream | undefined>(undefined);
  otoscope.current = media.otoscope;

  // Cabin main out of reach past the grace (it crashed, or this page was left behind): hang up, so that a page
  // orphaned in any way cannot keep sending the camera and microphone to the doctor.
  const { gone } = useBridgeLink();
  const live = session?.phase === 'exam' && view?.state === 'active' && !gone;
  const consultation = view?.consultationId ?? null;
  const iceKey = JSON.stringify(view?.iceServers ?? []);
  const iceServers = useRef(iceKey);
  iceServers.current = iceKey;
  const polite = view?.polite ?? false;
  const relayOnly = view?.iceTransportPolicy === 'relay';

  useEffect(() => exposeStats(window as Parameters<typeof exposeStats>[0]), []);

  useEffect(() => {
    if (!live) return;
    const s = new CallSession({
      bridge,
      iceServers: JSON.parse(iceServers.current) as CallView['iceServers'],
      polite,
      iceTransportPolicy: relayOnly ? 'relay' : 'all',
      grabSnapshot: () => grabJpeg(otoscope.current?.getVideoTracks()[0]),
      onChange: setRtc,
    });
    call.current = s;
    return () => {
      s.close();
      call.current = null;
      setRtc(NO_RTC);
    };
    // Not on iceServers: the hub re-sends the consultation with fresh TURN credentials (see the next effect).
  }, [live, consultation, polite, relayOnly, bridge]);

  // Fresh TURN credentials (and the first TURN servers, at claim) go to the live connection for its next ICE
  // restart: rebuilding the call for them would cut the doctor off every few hours.
  useEffect(() => {
    call.current?.setIceServers(JSON.parse(iceKey) as CallView['iceServers']);
  }, [live, consultation, polite, relayOnly, iceKey]);

  useEffect(() => {
    const local: LocalMedia = {};
    const camera = trackOf(media.camera, 'video');
    const voice = trackOf(media.voice, 'audio');
    const stethoscope = trackOf(media.stethoscope, 'audio');
    const oto = trackOf(media.otoscope, 'video');
    if (camera) local.camera = camera;
    if (voice) local.voice = voice;
    if (stethoscope) local.stethoscope = stethoscope;
    if (oto) local.otoscope = oto;
    call.current?.setMedia(local);
  }, [live, consultation, polite, relayOnly, media.camera, media.voice, media.stethoscope, media.otoscope]);

  useEffect(() => {
    call.current?.setDevices([...devices.values()]);
  }, [live, consultation, polite, relayOnly, devices]);

  const phase = session?.phase;
  const sessionId = session?.sessionId ?? null;
  const language = session?.language;
  const diskFull = session?.storeFault === 'disk-full';
  useEffect(() => {
    if (phase && language) call.current?.setSession({ sessionId, phase, language, diskFull });
  }, [live, consultation, polite, relayOnly, phase, sessionId, language, diskFull]);

  // Remembered per visit: the end screen says « le médecin a reçu vos mesures » only when one did.
  const [joinedVisit, setJoinedVisit] = useState<string | null>(null);
  useEffect(() => {
    if (view?.state === 'active' && sessionId) setJoinedVisit(sessionId);
  }, [view?.state, sessionId]);
  const doctorJoined = sessionId !== null && joinedVisit === sessionId;
  const value = useMemo(() => ({ view, doctorJoined, ...(live ? rtc : NO_RTC) }), [view, doctorJoined, rtc, live]);
  return <CallContext.Provider value={value}>{children}</CallContext.Provider>;
}

export function useCall(): CallState {
  return useContext(CallContext);
}
