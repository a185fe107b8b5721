import { CabinEventSchema, MAX_EVENT_BYTES } from './telemetry.ts';
import type { ObservationEvent } from './observation-frame.ts';

/**
 * Many observations in one compressed message on the reliable `events` channel (issue 11): after a cut the kiosk
 * has tens to hundreds of readings to send at once, on a link of a few hundred kbit/s whose new SCTP association
 * starts with a small congestion window. One by one, as JSON, they took 2.5–5 s to reach the doctor on the issue's
 * first link (about 200 bytes each); deflated together they are about a fifth of that.
 *
 *   byte 0      0x81 (binary on `events`: the text messages there are JSON; 0x80 is the single observation frame
 *               of `telemetry`, observation-frame.ts)
 *   then        deflate-raw (RFC 1951) of a JSON array of `observation` events, oldest first
 *
 * The frame is at most MAX_EVENT_BYTES, at most BATCH_MAX_ITEMS observations, and inflates to at most
 * BATCH_MAX_INFLATED bytes (a frame that inflates further is refused before it is all inflated). A console that
 * does not know this frame drops it (its `events` parser takes text only); the kiosk then resends each reading on
 * its own, as for any reading not acknowledged.
 */
export const OBSERVATION_BATCH_FRAME = 0x81;
export const BATCH_MAX_ITEMS = 200;
export const BATCH_MAX_INFLATED = 256 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Input slice of the inflater: deflate expands at most about 1 032 times, so one slice yields at most ~130 KiB. */
const INFLATE_SLICE = 128;

/**
 * `bytes` through a (de)compression stream, read as it comes; undefined past `max` bytes of output, or on any error.
 * The input goes in slices of INFLATE_SLICE bytes, each written once the output so far was read and counted: a
 * browser's DecompressionStream inflates a whole written chunk before its reader can stop it (Node inflates lazily),
 * so a 16 KiB bomb written at once could become 16 MiB before the cap was checked.
 */
async function through(format: 'compress' | 'decompress', bytes: Uint8Array<ArrayBuffer>, max: number): Promise<Uint8Array | undefined> {
  let t: CompressionStream | DecompressionStream;
  try {
    t = format === 'compress' ? new CompressionStream('deflate-raw') : new DecompressionStream('deflate-raw');
  } catch {
    return undefined;
  }
  const writer = t.writable.getWriter();
  const reader = t.readable.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let failed = false;
  const reading = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        size += value.length;
        if (size > max) {
          failed = true;
          await reader.cancel().catch(() => {});
          return;
        }
        parts.push(value);
      }
    } catch {
      failed = true;
    }
  })();
  try {
    const slice = format === 'decompress' ? INFLATE_SLICE : bytes.length;
    for (let i = 0; i < bytes.length && !failed; i += slice) await writer.write(bytes.subarray(i, i + slice));
    if (!failed) await writer.close();
  } catch {
    failed = true;
    await writer.abort().catch(() => {});
  }
  await reading;
  if (failed) return undefined;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The frame of these observations (in this order); undefined when there are none or more than BATCH_MAX_ITEMS, one
 * breaks the contract, or the frame would be over MAX_EVENT_BYTES (the caller sends them one by one, or fewer at a
 * time). Never throws.
 */
export async function encodeObservationBatch(list: readonly ObservationEvent[]): Promise<Uint8Array | undefined> {
  if (list.length === 0 || list.length > BATCH_MAX_ITEMS) return undefined;
  const checked: ObservationEvent[] = [];
  for (const o of list) {
    const r = CabinEventSchema.safeParse(o);
    if (!r.success || r.data.type !== 'observation') return undefined;
    checked.push(r.data);
  }
  const json = encoder.encode(JSON.stringify(checked)) as Uint8Array<ArrayBuffer>;
  if (json.length > BATCH_MAX_INFLATED) return undefined;
  const deflated = await through('compress', json, MAX_EVENT_BYTES);
  if (!deflated || deflated.length + 1 > MAX_EVENT_BYTES) return undefined;
  const out = new Uint8Array(deflated.length + 1);
  out[0] = OBSERVATION_BATCH_FRAME;
  out.set(deflated, 1);
  return out;
}

export interface DecodedBatch {
  /** The observations that keep the contract, in the frame's order. */
  observations: ObservationEvent[];
  /** Items of the array that do not (dropped, counted for the log). */
  dropped: number;
}

/** True when these bytes start like a batch frame (the cheap test before the asynchronous decode). */
export function isObservationBatch(data: unknown): data is ArrayBuffer | Uint8Array {
  const b = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : undefined;
  return b !== undefined && b.length > 1 && b[0] === OBSERVATION_BATCH_FRAME;
}

/**
 * The observations of a batch frame; undefined for anything that is not one (not binary, wrong first byte, too big,
 * not deflate, inflating past BATCH_MAX_INFLATED, not UTF-8 JSON, not an array, over BATCH_MAX_ITEMS). Never throws.
 */
export async function decodeObservationBatch(data: unknown): Promise<DecodedBatch | undefined> {
  if (!isObservationBatch(data)) return undefined;
  const b = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (b.length > MAX_EVENT_BYTES) return undefined;
  const inflated = await through('decompress', new Uint8Array(b.subarray(1)), BATCH_MAX_INFLATED);
  if (!inflated) return undefined;
  let items: unknown;
  try {
    items = JSON.parse(decoder.decode(inflated));
  } catch {
    return undefined;
  }
  if (!Array.isArray(items) || items.length === 0 || items.length > BATCH_MAX_ITEMS) return undefined;
  const observations: ObservationEvent[] = [];
  let dropped = 0;
  for (const item of items) {
    const r = CabinEventSchema.safeParse(item);
    if (r.success && r.data.type === 'observation') observations.push(r.data);
    else dropped++;
  }
  return { observations, dropped };
}
