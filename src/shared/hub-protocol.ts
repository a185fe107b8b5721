import { z } from 'zod';
import { LanguageSchema } from './language.ts';
import { NetCheckSchema } from './netcheck.ts';
import { StoredObservationFields, valueOrAbsent, WireReadingFields } from './observation.ts';
import { PatientIdentitySchema } from './patient-identity.ts';
import { DeviceIdSchema, MAX_EXCERPT_SAMPLES, PlethExcerptSchema, VisitDeviceSchema } from './visit-devices.ts';

/**
 * The hub's contract with its two kinds of client: cabin main (Node, `ws`) and the doctor console (browser).
 *
 * HTTP (JSON bodies, JSON answers; an error is `{ error: { code, message } }` with a 4xx/5xx status):
 * - `POST /api/login`        DoctorLogin  → TokenAnswer   (a doctor: username + password)
 * - `POST /api/cabin/token`  CabinLogin   → TokenAnswer   (a cabin: its id + its key)
 * - `POST /api/refresh`      a new token for the same session, from either `Authorization: Bearer <current token>`
 *                            or (doctors, e.g. after a page reload) the HttpOnly session cookie SESSION_COOKIE that
 *                            `/api/login` sets. A session lives at most MAX_SESSION_S from its login, then log in again.
 * - `POST /api/logout`       ends the session of the bearer token or of the cookie, and clears the cookie.
 * - `GET  /api/consultations/:id/report`  (doctor bearer token, assigned doctor only) → ConsultationReport
 * - `GET  /` …               the doctor console (static files)
 *
 * WebSocket `/ws`: the token travels as a subprotocol, never in the URL (URLs end up in logs):
 * `new WebSocket(url, [HUB_SUBPROTOCOL, BEARER_PREFIX + token])`; the hub answers with HUB_SUBPROTOCOL.
 * Every frame is one JSON object, validated by the schemas below; the hub closes with a 4xxx code on a bad
 * token (4401), a forbidden role (4403) or abuse (4408 rate, 4413 size).
 */

export const HUB_SUBPROTOCOL = 'cabin-hub.v1';
export const BEARER_PREFIX = 'bearer.';
/** Largest WebSocket frame either side sends (an SDP with many candidates stays well below). */
export const HUB_MAX_FRAME_BYTES = 64 * 1024;
/**
 * WebSocket close codes. `badToken` is also used when the token of an open socket expires without a fresh one sent
 * by `auth`, and when the account or its session is ended (disabled account, logout, session older than MAX_SESSION_S).
 */
export const HUB_CLOSE = { badToken: 4401, forbidden: 4403, rate: 4408, size: 4413, replaced: 4409 } as const;
/** The doctor's session cookie (HttpOnly, SameSite=Strict, Path=/api): lets a reloaded console get a token again. */
export const SESSION_COOKIE = 'cabin_session';
/** A login's session is renewed by `/api/refresh` and `auth` for at most this long; then the user logs in again. */
export const MAX_SESSION_S = 12 * 3600;

export const RoleSchema = z.enum(['doctor', 'cabin']);
export type Role = z.infer<typeof RoleSchema>;

export const DoctorLoginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }).strict();
export const CabinLoginSchema = z.object({ cabinId: z.string().min(1).max(100), key: z.string().min(1).max(200) }).strict();
export const TokenAnswerSchema = z.object({
  token: z.string(),
  /** Seconds until the token expires; a client gets a new one before then (login again / cabin key). */
  expiresIn: z.number(),
  role: RoleSchema,
  id: z.string(),
  name: z.string(),
});
export type TokenAnswer = z.infer<typeof TokenAnswerSchema>;

/** The claims of a hub token (jose JWT, HS256, short-lived). */
export const TokenClaimsSchema = z.object({ sub: z.string(), role: RoleSchema, name: z.string(), /** The login session. */ sid: z.string() });

export const HubErrorSchema = z.object({ code: z.string(), message: z.string() });
export type HubError = z.infer<typeof HubErrorSchema>;

export const IceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServerSchema>;

/**
 * What is relayed between the two sides, opaque to the hub except for its size. `pc` is the sender's
 * peer-connection id (random per RTCPeerConnection): a side that sees a new `pc` from its peer knows the
 * peer started over (reload) and starts over too. `tracks` maps the sender's m-section mids to what they
 * carry, sent with every description.
 */
export const TrackKindSchema = z.enum(['camera', 'voice', 'stethoscope', 'otoscope', 'doctor-camera', 'doctor-voice']);
export type TrackKind = z.infer<typeof TrackKindSchema>;
export const SignalDataSchema = z
  .object({
    pc: z.string().min(1).max(64),
    description: z.object({ type: z.enum(['offer', 'answer', 'pranswer', 'rollback']), sdp: z.string().max(60_000).optional() }).optional(),
    candidate: z
      .object({
        candidate: z.string().max(2000),
        sdpMid: z.string().max(64).nullable().optional(),
        sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      })
      .nullable()
      .optional(),
    tracks: z.record(z.string().max(64), TrackKindSchema).optional(),
    /** "I am here with this pc, please (re)negotiate": sent when a side (re)joins. */
    hello: z.boolean().optional(),
  })
  .strict();
export type SignalData = z.infer<typeof SignalDataSchema>;

export const ConsultationStateSchema = z.enum(['waiting', 'active', 'ended', 'cancelled']);
export type ConsultationState = z.infer<typeof ConsultationStateSchema>;

export const QueueItemSchema = z.object({
  consultationId: z.string(),
  cabinId: z.string(),
  cabinName: z.string(),
  language: LanguageSchema,
  since: z.number(),
  /** The cabin's pre-call network check, as its request carried it (absent: the cabin did not check). */
  netcheck: NetCheckSchema.optional(),
  /**
   * Hub time (ms) since which the cabin is not connected (it dropped, or the hub restarted without it): it may come back
   * within the grace period, else the request is cancelled. A claim meanwhile is refused ('cabin-offline'). Absent: the
   * cabin is connected (or an older hub that does not say).
   */
  offlineSince: z.number().optional(),
});
export type QueueItem = z.infer<typeof QueueItemSchema>;

const Id = z.string().min(1).max(100);

/**
 * Why a cabin left its consultation, told to the doctor: the patient ended the visit, nobody answered the idle prompt,
 * the assistant ended it, cabin main restarted (a crash: the visit was closed), or the cabin began another visit while
 * the consultation was still open on the hub (its leave was lost with the connection), or — set by the hub, never
 * sent by a cabin — 'gone': the cabin's connection stayed away past the grace period (cabin main killed, power cut).
 */
export const LeaveReasonSchema = z.enum(['patient', 'idle', 'assistant', 'restart', 'new-visit', 'gone']);
export type LeaveReason = z.infer<typeof LeaveReasonSchema>;
/**
 * Why a consultation is over, as `ended` says it: the doctor ended it (his report) or cancelled it; the cabin left it;
 * or the hub ended the cabin's part because the cabin's connection stayed away past the grace period.
 */
export const EndCauseSchema = z.enum(['doctor-ended', 'doctor-cancelled', 'cabin-left', 'cabin-offline']);
export type EndCause = z.infer<typeof EndCauseSchema>;
/** Readings per `report` or `end` message: about 200 bytes each, so a part stays well under the frame limit. */
export const REPORT_PART_READINGS = 250;
/**
 * Bytes of a `report` part, whoever builds it (the doctor's console during the call, cabin main after it): well
 * under the hub's frame limit (HUB_MAX_FRAME_BYTES, 64 KiB: a bigger frame closes the socket) whatever the ids' lengths.
 */
export const REPORT_PART_BYTES = 48 * 1024;

/**
 * Readings as the doctor's console received them from the cabin, for the report; a code of a newer catalogue is
 * accepted (WireReadingSchema). The device is optional here only: reports stored before readings carried their
 * device have none. Exactly one of a value or an absent reason (the device's special value), as on every hop.
 */
export const ReportReadingSchema = valueOrAbsent(WireReadingFields.partial({ deviceId: true }));
export type ReportReading = z.infer<typeof ReportReadingSchema>;
/** A report reading as the hub reads it back from its store (and serves it): whatever was stored is shown. */
export const StoredReportReadingSchema = valueOrAbsent(
  StoredObservationFields.omit({ sessionId: true })
    .partial({ deviceId: true })
    .extend({
      /**
       * Set when the cabin delivered this reading itself (hub time, ms): the doctor's console never confirmed it during
       * the call (the doctor was away, or the cabin restarted); it may have arrived after the consultation ended.
       */
      fromCabinAt: z.number().optional(),
    }),
);
export type StoredReportReading = z.infer<typeof StoredReportReadingSchema>;
export const ReportIncidentSchema = z.object({ t: z.number(), side: RoleSchema.or(z.literal('hub')), detail: z.string().max(500) });

/** Client → hub. `ref` (optional) is echoed in the answer or the error, to pair them. */
export const ToHubSchema = z.discriminatedUnion('type', [
  /** Cabin: ask for a doctor (creates a waiting consultation, or returns the open one). */
  z
    .object({
      type: z.literal('request'),
      ref: z.string().max(64).optional(),
      language: LanguageSchema,
      /**
       * The cabin's visit (opaque, one per patient). An open consultation of another visit is not given back: the hub
       * leaves it ('new-visit') and opens a new one, so a doctor never sees the next patient in the old consultation.
       */
      visit: Id.optional(),
      /** The cabin's latest pre-call network check, shown to the doctors in the queue (sent again when it changes). */
      netcheck: NetCheckSchema.optional(),
    })
    .strict(),
  /**
   * Cabin: short-lived TURN credentials for the pre-call network check (before any consultation); answered with
   * `probe`, or an error `rate-limited` when this cabin asks too often.
   */
  z.object({ type: z.literal('probe'), ref: z.string().max(64).optional() }).strict(),
  /** Cabin: the patient left before a doctor came; or either side leaves an active consultation (cabin: and why). */
  z.object({ type: z.literal('cancel'), ref: z.string().max(64).optional(), consultationId: Id, reason: LeaveReasonSchema.optional() }).strict(),
  /** Cabin: the patient pressed "call the assistant" (told to the doctor, recorded in the report). */
  z.object({ type: z.literal('help'), consultationId: Id }).strict(),
  /**
   * Cabin: the patient's identity as the assistant filed it at the kiosk, for the cabin's own consultation (waiting,
   * active or over; another cabin's is refused, `forbidden`). Answered `patient-filed` with the ref; sent again after a
   * reconnection until then. An identity the consultation's doctor filed or changed is kept (outcome `doctor-kept`).
   */
  z.object({ type: z.literal('patient'), ref: z.string().min(1).max(64), consultationId: Id, identity: PatientIdentitySchema }).strict(),
  /** Doctor: take a waiting consultation; atomic, one doctor wins. */
  z.object({ type: z.literal('claim'), ref: z.string().max(64).optional(), consultationId: Id }).strict(),
  /** Either side, after a reconnection: back into the same consultation. */
  z.object({ type: z.literal('join'), ref: z.string().max(64).optional(), consultationId: Id }).strict(),
  z.object({ type: z.literal('signal'), consultationId: Id, data: SignalDataSchema }).strict(),
  /** Either side: a technical incident for the report (ICE failure, device lost…). */
  z.object({ type: z.literal('incident'), consultationId: Id, detail: z.string().min(1).max(500) }).strict(),
  /**
   * Doctor: readings for the report, in parts sent before `end` (a long consultation has thousands; one frame
   * holds a few hundred). The hub keeps each id once.
   * Cabin: the readings of its own visit that the doctor's console never confirmed (its outbox, sent once the visit
   * ended, also after a restart), for a consultation a doctor took, in any state after that, even ended: each is
   * marked `fromCabinAt` in the report; one the doctor already sent is kept as the doctor sent it. Another cabin's
   * consultation is refused (`forbidden`), one no doctor took too (`not-claimed`).
   */
  z
    .object({
      type: z.literal('report'),
      /** When present, the hub answers `reported` with it once the readings are stored. */
      ref: z.string().max(64).optional(),
      consultationId: Id,
      readings: z.array(ReportReadingSchema).min(1).max(REPORT_PART_READINGS),
    })
    .strict(),
  /**
   * Cabin, with the delivery of its visit's outbox (issue 13): who a device that gave the visit a reading is, for its
   * consultation's report and FHIR export (PhdDevice); sent again, it replaces what was stored for that device. Same
   * rules as a cabin's `report` (its own consultation, once a doctor took it); answered `reported` (count 1) with the ref.
   */
  z.object({ type: z.literal('device'), ref: z.string().max(64).optional(), consultationId: Id, device: VisitDeviceSchema }).strict(),
  /**
   * Cabin, likewise: the first seconds of an oximeter connection's pleth (one excerpt a message; the same one again is
   * kept once; `marked` is refused, `forbidden`).
   * Doctor: a passage of the live pleth the doctor kept (`excerpt.marked` true, else refused `invalid-message`), for
   * their own active consultation only (another's `forbidden`, an unknown one `not-found`, one over `not-active`); at
   * most MAX_MARKED_PLETH per consultation (`report-full`), each at most MAX_MARKED_PLETH_S (`too-long`), a few a
   * second per doctor (`rate-limited`: send it again later). Answered `reported` (count 1 when new, 0 when the same
   * passage — device, start, sample count — was already kept), so it is sent again after a reconnection until then.
   */
  z.object({ type: z.literal('pleth'), ref: z.string().max(64).optional(), consultationId: Id, excerpt: PlethExcerptSchema }).strict(),
  /**
   * Doctor: forget a passage they kept (`pleth` marked) while the consultation is active, named as stored: its device,
   * its first sample's time and its sample count. Same rules as their `pleth`; answered `reported` (count 1 when it was
   * removed, 0 when there was none: a resend after a reconnection is harmless).
   */
  z
    .object({
      type: z.literal('pleth-unmark'),
      ref: z.string().max(64).optional(),
      consultationId: Id,
      deviceId: DeviceIdSchema,
      t: z.number().finite().min(0),
      count: z.number().int().min(1).max(MAX_EXCERPT_SAMPLES),
    })
    .strict(),
  /** Doctor: end the consultation and store the report (with the last part of its readings). */
  z
    .object({
      type: z.literal('end'),
      ref: z.string().max(64).optional(),
      consultationId: Id,
      notes: z.string().max(20_000),
      readings: z.array(ReportReadingSchema).max(REPORT_PART_READINGS),
    })
    .strict(),
  /**
   * Either side, before its token expires: a fresh token (from `/api/refresh` or a new login) for this socket. The hub
   * answers `authenticated`; a token of another account, a doctor's token of another login session, or an invalid
   * one closes the socket (4401). A cabin's token may be of a new login (its key): its previous session then ends.
   */
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(4096) }).strict(),
  /** `n` (optional) is echoed in the `pong`: the cabin's network check times its pings one by one. */
  z.object({ type: z.literal('ping'), n: z.number().int().min(0).max(1_000_000).optional() }).strict(),
  /** Doctor: send me the whole queue again (a `queue-delta` did not build on the edition this console holds). */
  z.object({ type: z.literal('queue-resync') }).strict(),
]);
export type ToHub = z.infer<typeof ToHubSchema>;

export const ConsultationViewSchema = z.object({
  consultationId: z.string(),
  state: ConsultationStateSchema,
  cabinId: z.string(),
  cabinName: z.string(),
  doctorId: z.string().nullable(),
  doctorName: z.string().nullable(),
  language: LanguageSchema,
  createdAt: z.number(),
  claimedAt: z.number().nullable(),
  /** The other side's WebSocket is connected. */
  peerPresent: z.boolean(),
  /** Perfect negotiation: the doctor is the polite peer. */
  polite: z.boolean(),
  /**
   * STUN/TURN for this consultation, TURN credentials per coturn's REST scheme. TURN only once a doctor has claimed
   * it; before the credentials expire the hub sends the consultation again with fresh ones: a client applies a
   * change with `pc.setConfiguration` (used by the next ICE restart), never by rebuilding its connection.
   */
  iceServers: z.array(IceServerSchema),
  /** 'relay' when the hub is configured to force every call through TURN (hides the peers' addresses). */
  iceTransportPolicy: z.enum(['all', 'relay']).optional(),
  /** The cabin's view only: the visit that asked for it (absent from an older hub). */
  visit: z.string().optional(),
  /** The doctor's view only: the cabin left this consultation (its patient went home) at `at`, and why if it said. */
  cabinLeft: z.object({ at: z.number(), reason: LeaveReasonSchema.optional() }).optional(),
});
export type ConsultationView = z.infer<typeof ConsultationViewSchema>;

/** Hub → client. */
export const FromHubSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), role: RoleSchema, id: z.string(), name: z.string() }),
  /**
   * After `hello` and after each accepted `auth`: the socket is closed (4401) in `expiresIn` seconds unless a fresh
   * token is sent with `auth` before then.
   */
  z.object({ type: z.literal('authenticated'), expiresIn: z.number() }),
  /** The readings of a `report` that carried a `ref` are stored (`count`: how many were new). */
  z.object({ type: z.literal('reported'), ref: z.string(), consultationId: z.string(), count: z.number() }),
  /**
   * Doctors: the waiting queue, whole: at the start of each connection (and after `queue-resync`). `rev`: the edition
   * the `queue-delta`s that follow build on (absent from an older hub, which sends the whole queue on every change).
   */
  z.object({ type: z.literal('queue'), items: z.array(QueueItemSchema), rev: z.number().int().min(0).optional() }),
  /**
   * Doctors: what changed in the waiting queue since edition `base` (queue-view.ts applies it): the items that came or
   * changed, whole (`upsert`), the consultations that left it (`remove`). Edition `rev` is `base` + 1; the items are in
   * the order of `since`, then of `consultationId`. A region's queue at 2,000 doctors: a change is a few hundred bytes
   * to each doctor, not the whole queue (25 KB at 500 waiting; issue 14).
   */
  z.object({
    type: z.literal('queue-delta'),
    base: z.number().int().min(0),
    rev: z.number().int().min(1),
    upsert: z.array(QueueItemSchema),
    remove: z.array(z.string()),
  }),
  /** The consultation this client is in, on every change (claimed, peer came or went, ended). */
  z.object({ type: z.literal('consultation'), ref: z.string().optional(), consultation: ConsultationViewSchema }),
  z.object({ type: z.literal('signal'), consultationId: z.string(), data: SignalDataSchema }),
  /** Doctor: the patient of this consultation pressed "call the assistant" at `at` (hub time, ms). */
  z.object({ type: z.literal('help'), consultationId: z.string(), at: z.number() }),
  /**
   * Cabin: the answer to `patient` (its ref): `filed` (stored, or changed), `unchanged` (the same was filed), `doctor-kept`
   * (the doctor's identity stands; the report notes which traits differ). Doctor (no ref): the cabin filed the identity
   * of this consultation: read it again (GET …/patient).
   */
  z.object({ type: z.literal('patient-filed'), ref: z.string().optional(), consultationId: z.string(), outcome: z.enum(['filed', 'unchanged', 'doctor-kept']) }),
  z.object({
    type: z.literal('ended'),
    ref: z.string().optional(),
    consultationId: z.string(),
    reason: z.enum(['ended', 'cancelled']),
    /** Why, when the hub knows (absent from an older hub); a cause a newer hub adds reads as absent, not as a bad message. */
    cause: EndCauseSchema.optional().catch(undefined),
  }),
  z.object({ type: z.literal('error'), ref: z.string().optional(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('pong'), n: z.number().optional() }),
  /** Cabin: the answer to `probe`: TURN only (the hub's URLs), credentials valid `expiresIn` seconds. */
  z.object({ type: z.literal('probe'), ref: z.string().optional(), iceServers: z.array(IceServerSchema), expiresIn: z.number() }),
]);
export type FromHub = z.infer<typeof FromHubSchema>;

export const ConsultationReportSchema = z.object({
  consultationId: z.string(),
  cabin: z.object({ id: z.string(), name: z.string() }),
  doctor: z.object({ id: z.string(), name: z.string() }).nullable(),
  createdAt: z.number(),
  claimedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  state: ConsultationStateSchema,
  notes: z.string(),
  readings: z.array(StoredReportReadingSchema),
  incidents: z.array(ReportIncidentSchema),
  /** The devices the cabin described (issue 13: `device`); absent when it sent none. */
  devices: z.array(VisitDeviceSchema).optional(),
  /** The pleth excerpts the cabin sent and the passages the doctor kept (`pleth`, `marked`); absent when none. */
  pleth: z.array(PlethExcerptSchema).optional(),
  /** Who the patient is, as the doctor filed it (issue 13); null or absent: not identified. */
  patient: PatientIdentitySchema.nullable().optional(),
});
export type ConsultationReport = z.infer<typeof ConsultationReportSchema>;

/** Parses one WebSocket frame; never throws. */
export function parseFrame<T>(schema: z.ZodType<T>, raw: string): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'The message is not JSON.' };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, error: `The message is not valid: ${first ? `${first.path.join('.') || 'message'}: ${first.message}` : 'unknown'}.` };
}
