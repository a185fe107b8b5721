import { z } from 'zod';
import { PhaseSchema } from './bridge.ts';
import { DeviceStatusSchema } from './device-event.ts';
import { LanguageSchema } from './language.ts';
import { ReadingSchema, valueOrAbsent, WireMdcCodeSchema, WireReadingFields } from './observation.ts';

/**
 * Cabin ⇄ doctor, over the two WebRTC data channels (ARCHITECTURE.md, "Telemetry").
 *
 * `telemetry` (unordered, maxRetransmits 0): binary waveform frames, one per 20–50 ms of samples:
 *
 *   byte 0      stream id (0–127; the top bit is reserved for other frame types: 0x80 is an observation,
 *               see observation-frame.ts)
 *   bytes 1–2   u16 LE: index of the frame's first sample in its stream, modulo 65 536
 *   then        samples as zigzag varints: the first absolute, each next one as the difference from the
 *               one before (integers in the device's own scale; a pleth step fits one byte)
 *
 * The stream's meaning (device, code, rate, time of sample 0) travels once on the `events` channel as a
 * `stream` message; a frame of an unknown stream is dropped. A sample's time is `t0 + index / rate`; a jump
 * in index is a gap, drawn as a gap. A pleth at 60 Hz in 50 ms frames costs about 7 bytes for 6 bytes of
 * Int16 samples.
 *
 * `events` (reliable, ordered): the JSON messages below, each validated on arrival.
 */

/**
 * Both channels are sent at `priority: 'high'` (SCTP stream scheduling and DSCP, where the browser implements it):
 * on a poor link the readings go before the video, which is sent at low priority (issue 11).
 */
export const TELEMETRY_CHANNEL = { label: 'telemetry', id: 1, init: { negotiated: true, id: 1, ordered: false, maxRetransmits: 0, priority: 'high' } } as const;
export const EVENTS_CHANNEL = { label: 'events', id: 2, init: { negotiated: true, id: 2, ordered: true, priority: 'high' } } as const;
/**
 * Above this many bytes queued on `telemetry`, a frame is dropped rather than queued (back-pressure). Small: the
 * channel shares the SCTP association (and its congestion window) with `events`, and a telemetry queue of
 * seconds on a 256 kbit/s link (64 KiB before issue 11) delayed the readings behind it; a late pleth is worth nothing.
 */
export const TELEMETRY_MAX_BUFFERED = 2 * 1024;
/** Keep every data-channel message well under the SCTP maximum message size (webrtc.md §2). */
export const MAX_EVENT_BYTES = 16 * 1024;
export const MAX_STREAM_ID = 127;

export interface WaveformFrame {
  stream: number;
  /** Index of the first sample, modulo 65 536. */
  index: number;
  samples: number[];
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}
function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Encodes one frame. Samples are rounded to integers and clamped to ±2^31. */
export function encodeFrame(frame: WaveformFrame): Uint8Array {
  if (!Number.isInteger(frame.stream) || frame.stream < 0 || frame.stream > MAX_STREAM_ID) throw new RangeError(`stream id ${frame.stream} is outside 0–${MAX_STREAM_ID}`);
  const out = new Uint8Array(3 + frame.samples.length * 5);
  out[0] = frame.stream;
  const index = ((Math.floor(frame.index) % 65536) + 65536) % 65536;
  out[1] = index & 0xff;
  out[2] = index >> 8;
  let at = 3;
  let prev = 0;
  for (let i = 0; i < frame.samples.length; i++) {
    const s = Math.max(-2147483648, Math.min(2147483647, Math.round(frame.samples[i] ?? 0)));
    let v = zigzag(i === 0 ? s : s - prev);
    prev = s;
    while (v >= 0x80) {
      out[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[at++] = v;
  }
  return out.slice(0, at);
}

/** Decodes one frame; never throws: anything malformed gives `undefined`. */
export function decodeFrame(bytes: ArrayBuffer | Uint8Array): WaveformFrame | undefined {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 4) return undefined;
  const stream = b[0]!;
  if (stream > MAX_STREAM_ID) return undefined;
  const index = b[1]! | (b[2]! << 8);
  const samples: number[] = [];
  let at = 3;
  let prev = 0;
  while (at < b.length) {
    let v = 0;
    let mul = 1;
    let done = false;
    for (let k = 0; k < 6 && at < b.length; k++) {
      const byte = b[at++]!;
      v += (byte & 0x7f) * mul;
      mul *= 0x80;
      if (byte < 0x80) {
        done = true;
        break;
      }
    }
    if (!done) return undefined;
    const d = unzigzag(v);
    const s = samples.length === 0 ? d : prev + d;
    if (!Number.isSafeInteger(s)) return undefined;
    samples.push(s);
    prev = s;
  }
  return samples.length > 0 ? { stream, index, samples } : undefined;
}

/** Unwraps a 16-bit frame index against the last full index seen (gaps shorter than 32 768 samples). */
export function unwrapIndex(index16: number, lastFull: number): number {
  const base = lastFull - (lastFull % 65536);
  let full = base + index16;
  if (full - lastFull > 32768) full -= 65536;
  else if (lastFull - full > 32768) full += 65536;
  return full;
}

const Id = z.string().min(1).max(300);

export const CallDeviceSchema = z.object({
  id: Id,
  name: z.string().max(200),
  category: z.string().max(50),
  link: z.string().max(30),
  status: DeviceStatusSchema.optional(),
  commands: z.array(z.string().max(64)).max(20),
});
export type CallDevice = z.infer<typeof CallDeviceSchema>;

/**
 * The cabin's uplink as its bandwidth adaptation sees it, best first: `full`; `reduced` (patient camera at half
 * size, 15 fps); `low` (camera 100 kbit/s, 8 fps); `minimal` (camera paused, otoscope slowed). The stethoscope
 * and the readings are never reduced.
 */
export const LINK_LEVELS = ['full', 'reduced', 'low', 'minimal'] as const;
export const LinkLevelSchema = z.enum(LINK_LEVELS);
export type LinkLevel = z.infer<typeof LinkLevelSchema>;

/**
 * The doctor's video as the cabin receives it: `none` (no video sent), `waiting` (first frame to come), `ok`,
 * `stalled` (no frame decoded for a few seconds: the cabin renegotiates), `failed` (still none after its tries).
 */
export const DOCTOR_VIDEO_STATES = ['none', 'waiting', 'ok', 'stalled', 'failed'] as const;
export const DoctorVideoStateSchema = z.enum(DOCTOR_VIDEO_STATES);
export type DoctorVideoState = z.infer<typeof DoctorVideoStateSchema>;

/** Cabin → doctor on `events`. */
export const CabinEventSchema = z.discriminatedUnion('type', [
  /** The cabin's uplink level changed (and on every opening of the channel). */
  z.object({ type: z.literal('link'), level: LinkLevelSchema }).strict(),
  /**
   * A stored observation; resent until acknowledged; the doctor's side keeps the first copy of each id. A code of a
   * newer catalogue is accepted (a console older than the cabin still acknowledges it).
   */
  valueOrAbsent(WireReadingFields.extend({ type: z.literal('observation') }).strict()),
  z.object({ type: z.literal('status'), deviceId: Id, status: DeviceStatusSchema, detail: z.string().max(500).optional(), t: z.number() }).strict(),
  z.object({ type: z.literal('devices'), devices: z.array(CallDeviceSchema).max(50) }).strict(),
  /** Declares a waveform stream of the `telemetry` channel. `t0`: ms (epoch) of sample index 0. */
  z
    .object({
      type: z.literal('stream'),
      stream: z.number().int().min(0).max(MAX_STREAM_ID),
      deviceId: Id,
      code: WireMdcCodeSchema,
      rate: z.number().positive().max(10_000),
      t0: z.number(),
    })
    .strict(),
  z.object({ type: z.literal('command-result'), id: z.string().max(64), ok: z.boolean(), error: z.string().max(500).optional() }).strict(),
  /** One piece of an otoscope snapshot (base64 of the JPEG bytes); `total` pieces make the picture. */
  z
    .object({
      type: z.literal('snapshot'),
      id: z.string().max(64),
      mime: z.enum(['image/jpeg', 'image/png']),
      width: z.number().int().positive().max(10_000),
      height: z.number().int().positive().max(10_000),
      seq: z.number().int().min(0),
      total: z.number().int().positive().max(2000),
      data: z.string().max(12_000),
    })
    .strict(),
  /** The cabin's disk is full: its readings are not being kept (on each change and every opening while full). */
  z.object({ type: z.literal('storage'), diskFull: z.boolean() }).strict(),
  /** The patient's session: the doctor console shows the phase and talks in the patient's language. */
  z.object({ type: z.literal('session'), sessionId: z.string().max(100).nullable(), phase: PhaseSchema, language: LanguageSchema }).strict(),
  /** How the doctor's video reaches the cabin (on each change and every opening); a console without it drops it. */
  z.object({ type: z.literal('doctor-video'), state: DoctorVideoStateSchema, tries: z.number().int().min(0).max(100).optional() }).strict(),
]);
export type CabinEvent = z.infer<typeof CabinEventSchema>;

/** Doctor → cabin on `events`. */
export const DoctorEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ack'), ids: z.array(ReadingSchema.shape.id).min(1).max(500) }).strict(),
  /** Ask the cabin to run a device command (e.g. `measure` on the BP cuff). */
  z.object({ type: z.literal('command'), id: z.string().min(1).max(64), deviceId: Id, name: z.string().min(1).max(64) }).strict(),
  z.object({ type: z.literal('snapshot-request'), id: z.string().min(1).max(64) }).strict(),
  /**
   * What this console can take, sent on every opening of `events`: `audioReadings`, it takes readings off the end of the
   * cabin's voice frames (shared/audio-readings.ts), so the cabin may put them there on this connection.
   */
  z.object({ type: z.literal('caps'), audioReadings: z.boolean() }).strict(),
]);
export type DoctorEvent = z.infer<typeof DoctorEventSchema>;

/** Parses one `events` message; never throws. */
export function parseEvent<T>(schema: z.ZodType<T>, raw: unknown): T | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_EVENT_BYTES * 2) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
