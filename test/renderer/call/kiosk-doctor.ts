/**
 * Injected into the built kiosk page by kiosk-call.test.ts before its scripts run: a fake Electron preload
 * (`window.cabin`) whose main says the exam is on and a doctor has the call, and an in-page doctor peer.
 */
import type { CallView, KioskConfigView, Reading, SessionView } from '../../../src/shared/bridge.ts';
import type { SignalData } from '../../../src/shared/hub-protocol.ts';
import { Doctor } from './browser-harness.ts';

const listeners = new Map<string, Set<(p: unknown) => void>>();
const emit = (name: string, payload: unknown): void => {
  for (const l of listeners.get(name) ?? []) l(payload);
};
const session: SessionView = { phase: 'exam', sessionId: 's1', language: 'fr', startedAt: Date.now(), assistant: false, idleWarning: null, readings: [] };
const config: KioskConfigView = {
  languages: ['fr', 'en'],
  checklist: [],
  media: { camera: 'fake', stethoscope: 'Fake Audio Input 1' },
  idle: { warnAfterS: 600, endAfterS: 900 },
  demo: true,
};
let call: CallView = { state: 'waiting', consultationId: 'c1', doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null };
let pending: Reading[] = [{ id: 'k1', deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: Date.now() }];
const calls: { name: string; input: unknown }[] = [];
let doctor: Doctor | undefined;
const toCabin = (data: SignalData): void => void setTimeout(() => emit('signal', { data }), 1);

const ok = (value: unknown) => ({ ok: true, value });
/** An oximeter and a cuff, so the exam shows a step beside the doctor. */
const DEVICES = [
  { id: 'oxi@sim', driver: 'contec-cms50-v7', name: 'CMS50', category: 'oximeter', transport: 'simulated', path: 'sim', reason: 'demo', commands: [], link: 'connected', status: 'ok' },
  { id: 'bp@sim', driver: 'omron-hem790it', name: 'Omron', category: 'blood-pressure', transport: 'simulated', path: 'sim', reason: 'demo', commands: ['measure'], link: 'connected' },
];

/** The doctor's camera freezes (no new frame: a canvas stream only sends when it is drawn on) until set back. */
let frozen = false;

/** The doctor's "camera": a canvas that keeps changing (unless frozen). */
function doctorCamera(): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  const ctx = canvas.getContext('2d')!;
  let n = 0;
  setInterval(() => {
    if (frozen) return;
    ctx.fillStyle = `hsl(${(n += 7) % 360} 60% 50%)`;
    ctx.fillRect(0, 0, 320, 240);
  }, 50);
  return canvas.captureStream(20).getVideoTracks()[0]!;
}
/** Every RTCPeerConnection the page makes (the kiosk's and the in-page doctor's), to tell a rebuilt call. */
const pcs: RTCPeerConnection[] = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(config?: RTCConfiguration) {
    super(config);
    pcs.push(this);
  }
} as typeof RTCPeerConnection;
const test = {
  calls,
  /** The kiosk's peer connections so far (the doctor's left out). */
  cabinPcs: () => pcs.filter((p) => p !== doctor?.pc),
  get doctor() {
    return doctor;
  },
  get pending() {
    return pending;
  },
  /** Stops (or restarts) the doctor's camera frames: a frozen picture on the kiosk. */
  freeze(on: boolean) {
    frozen = on;
  },
  /** Main's side: the doctor claims the consultation (or it ends). */
  setCall(patch: Partial<CallView>) {
    call = { ...call, ...patch };
    if (call.state === 'active' && !doctor) doctor = new Doctor(toCabin, doctorCamera());
    emit('call', call);
  },
};
Object.assign(window, {
  kioskTest: test,
  cabin: {
    async call(name: string, input: unknown) {
      calls.push({ name, input });
      const i = input as Record<string, unknown>;
      switch (name) {
        case 'session:get':
        case 'session:activity':
          return ok(session);
        case 'config:get':
          return ok(config);
        case 'devices:list':
          return ok(DEVICES);
        case 'call:get':
          return ok(call);
        case 'call:signal': {
          const d = doctor;
          if (d) setTimeout(() => void d.onSignal(i.data as SignalData), 1);
          return ok({});
        }
        case 'outbox:pending':
          return ok(pending);
        case 'outbox:ack': {
          const ids = i.ids as string[];
          pending = pending.filter((r) => !ids.includes(r.id));
          return ok({ marked: ids.length });
        }
        default:
          return ok({});
      }
    },
    on(name: string, listener: (p: unknown) => void) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  },
});
