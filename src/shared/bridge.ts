import { z } from 'zod';
import { BleNearbySchema, DeviceInfoSchema, LinkStateSchema } from './device-host.ts';
import { DeviceStatusSchema, IdentityEventSchema } from './device-event.ts';
import { EndCauseSchema, IceServerSchema, SignalDataSchema } from './hub-protocol.ts';
import { LanguageSchema } from './language.ts';
import { NetCheckSchema } from './netcheck.ts';
import { PatientIdentitySchema } from './patient-identity.ts';
import { ObservationFields, ReadingSchema, WireReadingSchema } from './observation.ts';
import { PrintViewSchema } from './print.ts';
import { SpeechFailureSchema } from './voice-pack.ts';

/**
 * The bridge between cabin main and the kiosk renderer: ONE contract, served by the Electron preload (IPC)
 * and by the web host (WebSocket). Every call and event is declared here once, with its schema; the
 * renderer never knows which transport it has.
 */

export { LanguageSchema, type Language } from './language.ts';
export { ReadingSchema, type Reading } from './observation.ts';

/** welcome → consent → exam → end → (cleaning, locked until the assistant completes the checklist) → welcome */
export const PhaseSchema = z.enum(['welcome', 'consent', 'exam', 'end', 'cleaning']);
export type Phase = z.infer<typeof PhaseSchema>;

export const SessionViewSchema = z.object({
  phase: PhaseSchema,
  sessionId: z.string().nullable(),
  language: LanguageSchema,
  startedAt: z.number().nullable(),
  /** Assistant mode is unlocked (PIN entered). */
  assistant: z.boolean(),
  /** Set while the "are you still there?" prompt is shown. */
  idleWarning: z.object({ secondsLeft: z.number() }).nullable(),
  /** The patient called the assistant (ms) and the assistant has not answered yet. */
  help: z.object({ at: z.number() }).nullable().optional(),
  /** The latest reading of each measurement of this session (what the exam and summary show). */
  readings: z.array(ReadingSchema),
  /** The cabin's disk is full: readings are not being kept (the assistant panel and the doctor are told). */
  storeFault: z.enum(['disk-full']).nullable().optional(),
  /** The exam step the kiosk last opened in this visit (`exam:step`): a reloaded page comes back to it. */
  step: z.string().max(64).nullable().optional(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;

export const DeviceViewSchema = DeviceInfoSchema.extend({
  link: z.union([LinkStateSchema, z.literal('detached')]),
  /** Why the link is in that state (e.g. the error). */
  linkDetail: z.string().optional(),
  status: DeviceStatusSchema.optional(),
  detail: z.string().optional(),
  /** Who the device says it is (Device Information, a vendor's model packets). */
  identity: IdentityEventSchema.omit({ kind: true, device: true, t: true }).optional(),
  /** Readings from the device's memory taken before this visit: never the patient's, counted for the assistant. */
  oldIgnored: z.number().int().min(0).optional(),
});

/** The assistant's Bluetooth panel: devices nearby (while scanning) and the ones assigned to this cabin. */
export const BleViewSchema = z.object({
  scanning: z.boolean(),
  nearby: z.array(BleNearbySchema).max(200),
  assigned: z.array(z.object({ address: z.string().max(17), driver: z.string().max(64), assignedAt: z.number().finite() })).max(64),
});
export type BleView = z.infer<typeof BleViewSchema>;
const BleAddress = z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
export type DeviceView = z.infer<typeof DeviceViewSchema>;

export const WaveformSchema = ObservationFields.pick({ deviceId: true, code: true, t: true }).extend({
  rate: z.number().positive(),
  samples: z.array(z.number().finite()),
});

// Arabic optional: a cabin's config written before Arabic has no Arabic label (French is shown instead).
const Label = z.object({ fr: z.string(), en: z.string(), ar: z.string().optional() });
export const KioskConfigViewSchema = z.object({
  languages: z.array(LanguageSchema),
  checklist: z.array(z.object({ id: z.string(), label: Label })),
  media: z.object({
    camera: z.string().optional(),
    stethoscope: z.string().optional(),
    otoscope: z.string().optional(),
  }),
  idle: z.object({ warnAfterS: z.number(), endAfterS: z.number() }),
  demo: z.boolean(),
  /** Days the cabin keeps a visit's data after delivery (the consent tells the patient). */
  retentionDays: z.number().min(0).optional(),
});
export type KioskConfigView = z.infer<typeof KioskConfigViewSchema>;

/**
 * The cabin's side of the live consultation as main sees it: main holds the hub connection (and the cabin's
 * key); the renderer holds the RTCPeerConnection and relays its signaling through `call:signal`.
 */
export const CallStateSchema = z.enum([
  /** No hub configured. */
  'off',
  /** No session in the exam, so no doctor asked for. */
  'idle',
  /** Connecting (or reconnecting) to the hub. */
  'connecting',
  /** In the hub's queue, waiting for a doctor. */
  'waiting',
  /** A doctor took the consultation. */
  'active',
  /** The consultation ended (the doctor ended it, or the hub did: see `endCause`). */
  'ended',
  /** The hub cannot be reached or refused the cabin (see `error`). */
  'unavailable',
]);
export type CallState = z.infer<typeof CallStateSchema>;
export const CallViewSchema = z.object({
  state: CallStateSchema,
  consultationId: z.string().nullable(),
  doctorName: z.string().nullable(),
  /** The doctor's console is connected to the hub. */
  peerPresent: z.boolean(),
  /** Perfect negotiation: the cabin is the impolite peer. */
  polite: z.boolean(),
  iceServers: z.array(IceServerSchema),
  iceTransportPolicy: z.enum(['all', 'relay']).optional(),
  error: z.string().nullable(),
  /** In 'ended': why, when the hub said ('cabin-offline': the link stayed cut too long, not the doctor's end). */
  endCause: EndCauseSchema.optional(),
});
export type CallView = z.infer<typeof CallViewSchema>;

/** An observation still to be acknowledged by the doctor's side (from the SQLite outbox; possibly stored by another version). */
export const PendingObservationSchema = WireReadingSchema;

const Empty = z.object({}).strict();

/** Cabin main's half of the pre-call network check (src/main/hub/netcheck.ts); the kiosk page measures the rest. */
export const HubSideCheckSchema = z.object({
  /** Round trip (median) and loss of pings over the hub socket; null: the hub did not answer. */
  hub: z.object({ rttMs: z.number(), lossPct: z.number() }).nullable(),
  /** TURN alone, with short-lived probe credentials. */
  iceServers: z.array(IceServerSchema),
  error: z.string().nullable(),
  /** The hub answered the probe but has no TURN server at all (a demo, a LAN hub): the hub's figures are all there is. */
  noTurn: z.boolean().optional(),
});
export type HubSideCheck = z.infer<typeof HubSideCheckSchema>;

/**
 * The patient's identity as the assistant filed it for the visit in progress (null: none), and where it stands on its
 * way to the doctor: `no-hub` (this cabin has none), `waiting` (no consultation yet), `sending`, `filed`, `doctor-kept`
 * (the doctor had filed one: the doctor's stands), `refused`; null when none was filed.
 */
export const PatientFilingSchema = z.object({
  identity: PatientIdentitySchema.nullable(),
  delivery: z.enum(['no-hub', 'waiting', 'sending', 'filed', 'doctor-kept', 'refused']).nullable(),
});
export type PatientFiling = z.infer<typeof PatientFilingSchema>;

/** Renderer → main, request/response. Names are `area:verb`. */
export const CALLS = {
  'session:get': { input: Empty, output: SessionViewSchema },
  'session:start': { input: z.object({ language: LanguageSchema }).strict(), output: SessionViewSchema },
  'session:consent': { input: z.object({ accepted: z.boolean() }).strict(), output: SessionViewSchema },
  'session:language': { input: z.object({ language: LanguageSchema }).strict(), output: SessionViewSchema },
  /** The patient touched the screen or answered "I am still here". */
  'session:activity': { input: Empty, output: SessionViewSchema },
  /** exam → end (the session is closed and its summary shown); end → cleaning (the patient's data leaves
   * the screen and memory; the cabin stays locked until the assistant completes the checklist). */
  'session:end': { input: z.object({ from: z.enum(['exam', 'end']).optional() }).strict(), output: SessionViewSchema },
  /** The patient's "call the assistant": rung and shown on the kiosk, told to the doctor during a call. */
  'session:help': { input: Empty, output: SessionViewSchema },
  /** The assistant answered the call ("I am coming"). */
  'session:help-answered': { input: Empty, output: SessionViewSchema },
  'devices:list': { input: Empty, output: z.array(DeviceViewSchema) },
  'devices:command': {
    input: z.object({ deviceId: z.string().max(300), name: z.string().max(64) }).strict(),
    output: Empty,
  },
  /** The exam step of this device opened on the kiosk (null: no device's step is open): the demo's simulated patient uses it. */
  'exam:step': { input: z.object({ deviceId: z.string().max(300).nullable(), step: z.string().max(64).optional() }).strict(), output: Empty },
  'assistant:unlock': { input: z.object({ pin: z.string().regex(/^\d{4,8}$/) }).strict(), output: SessionViewSchema },
  'assistant:lock': { input: Empty, output: SessionViewSchema },
  'cleaning:complete': { input: z.object({ done: z.array(z.string().max(64)).max(50) }).strict(), output: SessionViewSchema },
  'config:get': { input: Empty, output: KioskConfigViewSchema },
  /** Assistant only: the Bluetooth panel's state; open (scan) or close it. */
  'ble:get': { input: Empty, output: BleViewSchema },
  'ble:scan': { input: z.object({ on: z.boolean() }).strict(), output: BleViewSchema },
  /** Assistant only: pair a nearby device and assign it to this cabin (`passkey`: the 6 digits the device shows). */
  'ble:pair': {
    input: z.object({ address: BleAddress, driver: z.string().min(1).max(64), passkey: z.string().regex(/^\d{6}$/).optional() }).strict(),
    output: z.object({ state: z.enum(['paired', 'passkey-needed', 'failed', 'forgotten']), detail: z.string().max(300).optional() }),
  },
  /** Assistant only: forget one device (its assignment and its bond). */
  'ble:forget': {
    input: z.object({ address: BleAddress }).strict(),
    output: z.object({ state: z.enum(['paired', 'passkey-needed', 'failed', 'forgotten']), detail: z.string().max(300).optional() }),
  },
  /** Assistant only: the identity of the patient of this visit, as the assistant filed it at the kiosk (kept in memory). */
  'patient:get': { input: Empty, output: PatientFilingSchema },
  /** Assistant only, during a visit: file (or change) it; it goes to the visit's consultation on the hub. */
  'patient:set': { input: z.object({ identity: PatientIdentitySchema }).strict(), output: PatientFilingSchema },
  'call:get': { input: Empty, output: CallViewSchema },
  /** Renderer → hub → doctor: one perfect-negotiation message of the renderer's RTCPeerConnection. */
  'call:signal': { input: z.object({ data: SignalDataSchema }).strict(), output: Empty },
  /** A technical incident of the call (ICE failure…) for the consultation report and the audit log. */
  'call:incident': { input: z.object({ detail: z.string().min(1).max(500) }).strict(), output: Empty },
  /** The pre-call network check: main measures the hub and gets probe TURN credentials for the page. */
  'netcheck:hub': { input: Empty, output: HubSideCheckSchema },
  /** The page's result: carried by the call requests, so the doctors see it in the queue. */
  'netcheck:report': { input: z.object({ check: NetCheckSchema }).strict(), output: Empty },
  /** A voice prompt the kiosk could not say (it showed the text with a notice): one line in cabin main's log. */
  'voice:unavailable': {
    input: z.object({ lang: z.string().max(16), key: z.string().max(120), reason: SpeechFailureSchema }).strict(),
    output: Empty,
  },
  /** Observations of the current session the doctor has not acknowledged yet, oldest first. */
  'outbox:pending': { input: Empty, output: z.array(PendingObservationSchema) },
  /** The doctor's side acknowledged these observation ids. */
  'outbox:ack': { input: z.object({ ids: z.array(ReadingSchema.shape.id).min(1).max(500) }).strict(), output: z.object({ marked: z.number() }) },
  /** An otoscope snapshot (full resolution), stored with the session, sent in pieces under the frame limit. */
  'media:begin': {
    input: z
      .object({
        kind: z.literal('otoscope-snapshot'),
        mime: z.enum(['image/jpeg', 'image/png']),
        width: z.number().int().positive().max(10_000),
        height: z.number().int().positive().max(10_000),
        bytes: z.number().int().positive().max(20 * 1024 * 1024),
      })
      .strict(),
    output: z.object({ uploadId: z.string() }),
  },
  'media:chunk': { input: z.object({ uploadId: z.string().max(64), seq: z.number().int().min(0), data: z.string().max(48 * 1024) }).strict(), output: Empty },
  'media:commit': { input: z.object({ uploadId: z.string().max(64) }).strict(), output: z.object({ mediaId: z.string() }) },
  /** The patient's copy of the report on the end screen (src/main/print/): where it stands; print it (the big button). */
  'print:get': { input: Empty, output: PrintViewSchema },
  'print:report': { input: Empty, output: PrintViewSchema },
} as const;

/** Main → renderer. */
export const EVENTS = {
  session: SessionViewSchema,
  device: DeviceViewSchema,
  reading: ReadingSchema,
  waveform: WaveformSchema,
  call: CallViewSchema,
  /** Doctor → hub → renderer: one perfect-negotiation message for the renderer's RTCPeerConnection. */
  signal: z.object({ data: SignalDataSchema }),
  /** The Bluetooth panel's state changed (devices nearby, a device assigned or forgotten). */
  ble: BleViewSchema,
  /** The patient's copy of the report: preparing, printing, failed (src/shared/print.ts). */
  print: PrintViewSchema,
} as const;

export type CallName = keyof typeof CALLS;
export type EventName = keyof typeof EVENTS;
export type CallInput<K extends CallName> = z.infer<(typeof CALLS)[K]['input']>;
export type CallOutput<K extends CallName> = z.infer<(typeof CALLS)[K]['output']>;
export type EventPayload<K extends EventName> = z.infer<(typeof EVENTS)[K]>;

/**
 * Every reason a bridge call can fail, closed: the kiosk shows each as a sentence in the patient's language
 * (`bridgeError.<code>` in the renderer's translations); the English `message` is for the assistant and the logs.
 */
export const BridgeErrorCodeSchema = z.enum([
  // The contract: the call or its input (dispatch, transports).
  'unknown-call',
  'invalid-input',
  'forbidden',
  'rate-limited',
  // Main failed unexpectedly: the patient sees an apology and the incident number, the log has the details.
  'internal',
  // The session and the assistant.
  'unsupported-language',
  'wrong-phase',
  'no-session',
  'no-pin',
  'wrong-pin',
  'pin-locked',
  'assistant-only',
  'checklist-incomplete',
  // Devices, the call and pictures.
  'device-command-failed',
  'no-hub',
  'call-unavailable',
  'busy',
  'bad-upload',
  // The renderer's side of the transport: main did not answer, or answered nonsense.
  'unavailable',
  'disconnected',
  'closed',
  'invalid-response',
]);
export type BridgeErrorCode = z.infer<typeof BridgeErrorCodeSchema>;
export const BridgeErrorSchema = z.object({
  code: BridgeErrorCodeSchema,
  message: z.string(),
  /** `internal` only: the number the patient gives the assistant, found in main's log. */
  incident: z.string().max(16).optional(),
});
export type BridgeError = z.infer<typeof BridgeErrorSchema>;
export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** What the renderer holds: the same API whatever the transport. */
export interface BridgeClient {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>>;
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void;
}

/** WebSocket framing of the bridge (browser mode). */
export const WireToMainSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(64),
  input: z.unknown(),
});
export const WireToRendererSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number(), result: z.unknown() }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
  // Main is alive: sent on connection, then every BRIDGE_BEAT_MS.
  z.object({ type: z.literal('beat') }),
]);
/** How often main beats on each bridge socket. */
export const BRIDGE_BEAT_MS = 1000;
/**
 * How long the page waits without a frame before it takes main for lost: a busy main's event loop stalls up to about
 * 1 s (measured under load), so the longest gap of a live main is about 2 s; twice that is silence.
 */
export const BRIDGE_SILENCE_MS = 4000;

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(CALLS, name);
}

/**
 * Why cabin main refuses a kiosk page (browser mode: the one word of its 403 on GET /bridge): 'restarted', the page's
 * token is of an earlier run of main; 'no-token', the page never got one of this run (its one-time address was used).
 */
export type BridgeRefusal = 'restarted' | 'no-token';
