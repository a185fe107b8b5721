/**
 * Runs in Chromium (bundled by browser.test.ts): the cabin's CallSession against a minimal polite "doctor"
 * peer in the same page, the bridge faked in-page, signals relayed with a task's delay as the hub would.
 */
import { Listeners } from '../../../src/renderer/bridge/listeners.ts';
import { applyLevel, sampleOf } from '../../../src/renderer/call/bandwidth.ts';
import { Negotiator } from '../../../src/renderer/call/negotiation.ts';
import { CallSession, type RtcView } from '../../../src/renderer/call/session.ts';
import { grabJpeg } from '../../../src/renderer/call/snapshot.ts';
import { stats } from '../../../src/renderer/call/stats.ts';
import type { BridgeClient, CallName, DeviceView, EventName, EventPayload, Reading } from '../../../src/shared/bridge.ts';
import type { SignalData } from '../../../src/shared/hub-protocol.ts';
import { opusParams } from '../../../src/shared/sdp.ts';
import { decodeFrame, EVENTS_CHANNEL, TELEMETRY_CHANNEL, type WaveformFrame } from '../../../src/shared/telemetry.ts';

type Msg = { type: string; [k: string]: unknown };

export class Doctor {
  readonly id = `doctor-${Math.random().toString(16).slice(2)}`;
  readonly pc = new RTCPeerConnection();
  events!: RTCDataChannel;
  telemetry!: RTCDataChannel;
  readonly received: Msg[] = [];
  readonly frames: WaveformFrame[] = [];
  readonly offers: { sdp: string; tracks: Record<string, string> }[] = [];
  readonly cabinPcs = new Set<string>();
  /** The cabin's tracks map of the latest description (offer or answer). */
  tracks: Record<string, string> = {};
  private readonly neg: Negotiator;

  constructor(
    send: (d: SignalData) => void,
    private readonly video?: MediaStreamTrack,
  ) {
    this.neg = new Negotiator(this.pc, { pcId: this.id, polite: true, send, tracks: () => ({}), stethoscopeMids: () => [], onError: () => {} });
    this.pc.onnegotiationneeded = () => void this.neg.onNegotiationNeeded();
    this.pc.onicecandidate = (ev) => this.neg.onLocalCandidate(ev.candidate?.toJSON() ?? null);
    this.neg.hello();
  }

  /**
   * After the cabin's first offer: Chromium 156 answers `m=application 0` (data rejected, then endless
   * renegotiation) when the polite side rolled back an offer of its own that had the data m-section.
   */
  private joined(): void {
    this.events = this.pc.createDataChannel(EVENTS_CHANNEL.label, { ...EVENTS_CHANNEL.init });
    this.telemetry = this.pc.createDataChannel(TELEMETRY_CHANNEL.label, { ...TELEMETRY_CHANNEL.init });
    this.telemetry.binaryType = 'arraybuffer';
    this.events.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data)) as Msg;
      this.received.push(m);
      if (m.type === 'observation') this.events.send(JSON.stringify({ type: 'ack', ids: [m.id] }));
    };
    this.telemetry.onmessage = (ev) => {
      const f = decodeFrame(ev.data as ArrayBuffer);
      if (f) this.frames.push(f);
    };
    if (this.video) this.pc.addTransceiver(this.video, { direction: 'sendonly' });
  }

  async onSignal(data: SignalData): Promise<void> {
    this.cabinPcs.add(data.pc);
    if (data.description) this.tracks = data.tracks ?? {};
    if (data.description?.type === 'offer') this.offers.push({ sdp: data.description.sdp ?? '', tracks: data.tracks ?? {} });
    await this.neg.onRemote(data);
    if (!this.events && this.pc.remoteDescription) this.joined();
  }

  send(m: Msg): void {
    this.events.send(JSON.stringify(m));
  }

  close(): void {
    this.pc.close();
  }
}

const reading = (id: string, value: number): Reading => ({ id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value, unit: '%', t: Date.now() });
const DEVICES: DeviceView[] = [
  { id: 'bp@sim', driver: 'omron', name: 'Omron', category: 'blood-pressure', transport: 'simulated', path: 'sim', reason: 'demo', commands: ['measure'], link: 'connected' },
];

export async function start() {
  const listeners = new Listeners();
  const calls: { name: CallName; input: unknown }[] = [];
  const views: RtcView[] = [];
  let pending: Reading[] = [reading('o1', 97), reading('o2', 98)];
  const media = {
    camera: await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } }),
    voice: await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true } }),
    stethoscope: await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } }),
  };
  const doctorCam = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  let doctor: Doctor;
  const toCabin = (data: SignalData): void => void setTimeout(() => listeners.emit('signal', { data }), 1);
  const newDoctor = (): Doctor => (doctor = new Doctor(toCabin, doctorCam.getVideoTracks()[0]!.clone()));
  doctor = newDoctor();

  const ok = <T>(value: T) => ({ ok: true as const, value });
  const bridge: BridgeClient = {
    async call(name, input) {
      calls.push({ name, input });
      const i = input as Record<string, unknown>;
      switch (name) {
        case 'call:signal': {
          const data = i.data as SignalData;
          // The doctor starts over when a new cabin pc says hello (the cabin page reloaded).
          if (data.hello && doctor.cabinPcs.size > 0 && !doctor.cabinPcs.has(data.pc)) {
            doctor.close();
            newDoctor();
          }
          const d = doctor;
          setTimeout(() => void d.onSignal(i.data as SignalData), 1);
          return ok({}) as never;
        }
        case 'outbox:pending':
          return ok(pending) as never;
        case 'outbox:ack': {
          const ids = i.ids as string[];
          pending = pending.filter((r) => !ids.includes(r.id));
          return ok({ marked: ids.length }) as never;
        }
        case 'media:begin':
          return ok({ uploadId: 'u1' }) as never;
        case 'media:commit':
          return ok({ mediaId: 'm1' }) as never;
        default:
          return ok({}) as never;
      }
    },
    on: (event, l) => listeners.add(event, l),
  };
  const pair = (s: MediaStream, kind: 'audio' | 'video') => ({ track: kind === 'audio' ? s.getAudioTracks()[0]! : s.getVideoTracks()[0]!, stream: s });
  const newSession = (): CallSession => {
    const s = new CallSession({ bridge, iceServers: [], polite: false, grabSnapshot: () => grabJpeg(media.camera.getVideoTracks()[0]), onChange: (v) => views.push(v) });
    s.setMedia({ camera: pair(media.camera, 'video'), voice: pair(media.voice, 'audio'), stethoscope: pair(media.stethoscope, 'audio'), otoscope: pair(media.camera, 'video') });
    s.setDevices(DEVICES);
    s.setSession({ sessionId: 's1', phase: 'exam', language: 'fr' });
    return s;
  };
  let session = newSession();

  return {
    get session() {
      return session;
    },
    /** What a reload of the kiosk page does to the call: the old session is gone, a new one starts. */
    reloadCabin() {
      session.close();
      session = newSession();
    },
    get doctor() {
      return doctor;
    },
    views,
    calls,
    get pending() {
      return pending;
    },
    addPending(r: Reading) {
      pending.push(r);
    },
    reading,
    emit<K extends EventName>(event: K, payload: EventPayload<K>) {
      listeners.emit(event, payload);
    },
    reloadDoctor() {
      doctor.close();
      return newDoctor().id;
    },
    stats,
    opusParams,
    applyLevel,
    sampleOf,
  };
}

(window as unknown as { harness: { start: typeof start } }).harness = { start };
