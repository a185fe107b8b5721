/**
 * Readings carried in the cabin's voice packets (issue 11): a copy of each new reading rides at the end of a few
 * outgoing Opus frames of the patient's microphone, through an encoded-frame transform (RTCRtpScriptTransform), and
 * the doctor's console takes it off before the decoder.
 *
 * Why: the two data channels share one SCTP association, and on a link losing 10 % of its packets with 600 ms round
 * trips SCTP's congestion window stays at a packet or two and every loss costs a retransmission timeout of a second
 * or more. Measured in the 128 kbit/s case: 367 of 624 late readings could not even queue a lossy copy on `telemetry`
 * (the association was that far behind), and the median reading took 1.6–3 s. RTP packets are not held by a
 * congestion window: they leave with the voice, every 20–60 ms, and a lost one costs only that copy.
 *
 * The reliable `events` copy still goes and is still acknowledged; these copies are the fast path only, and the doctor's
 * side keeps the first copy of an id whichever way it came.
 *
 * A frame with readings (all integers big-endian):
 *
 *   the Opus frame as the encoder made it
 *   items, each: u16 length, then that many bytes (an observation batch, observation-batch.ts: 0x81 + deflate-raw)
 *   u16 total length of the items
 *   4 bytes MAGIC
 *
 * A frame without readings is left as it is (no trailer at all). The doctor's side strips only a trailer that is whole
 * (magic, lengths that add up exactly, 1 to MAX_ITEMS_PER_FRAME items of 1 to MAX_ITEM_BYTES bytes); anything else goes to
 * the decoder untouched. The cabin adds
 * trailers only after the doctor's console said it strips them (`caps` on `events`), so an older console never gets them.
 */
export const MAGIC = Uint8Array.of(0xca, 0xb1, 0x4e, 0x01);
/** Bytes of readings added to one frame at most: an Opus frame of 60 ms at 32 kbit/s is 240 bytes, a packet stays under 1 000. */
export const MAX_TRAILER_BYTES = 640;
/** An item larger than this is not carried (the `events` copy goes as always). */
export const MAX_ITEM_BYTES = MAX_TRAILER_BYTES - 2;
/**
 * When each copy of a reading goes, after the first (ms): four copies far enough apart not to fall in one burst of
 * losses (a router queue that overflows drops a run of packets), close enough to beat any retransmission. With three,
 * 1 reading in 873 lost all of them at 10 % loss (as 0.1³ says) and then waited 28 s for SCTP; four make it 1 in 10 000.
 */
export const COPY_OFFSETS_MS = [0, 150, 500, 1200] as const;
/** A copy due longer ago than this is dropped (the voice stopped): the reliable copy covers it. */
export const MAX_LATE_MS = 1500;
/** Items in one frame at most (a frame of real copies holds a few); a frame with more is not taken as carrying readings. */
export const MAX_ITEMS_PER_FRAME = 8;
/** Copies waiting at most; beyond, the oldest are dropped. */
export const MAX_QUEUED = 256;

const TAIL = 2 + MAGIC.length;

/** The frame with these items at its end; the frame as it is when there are none. Items over MAX_ITEM_BYTES or empty are left out. */
export function appendTrailer(frame: Uint8Array, items: readonly Uint8Array[]): Uint8Array {
  const kept = items.filter((i) => i.length > 0 && i.length <= MAX_ITEM_BYTES);
  if (kept.length === 0) return frame;
  const total = kept.reduce((n, i) => n + 2 + i.length, 0);
  if (total > 0xffff) return frame;
  const out = new Uint8Array(frame.length + total + TAIL);
  out.set(frame, 0);
  let at = frame.length;
  for (const item of kept) {
    out[at] = item.length >> 8;
    out[at + 1] = item.length & 0xff;
    out.set(item, at + 2);
    at += 2 + item.length;
  }
  out[at] = total >> 8;
  out[at + 1] = total & 0xff;
  out.set(MAGIC, at + 2);
  return out;
}

/**
 * The frame without its trailer and the items it carried; undefined when the data has no whole trailer (then it is
 * the frame itself, untouched). Never throws.
 */
export function stripTrailer(data: Uint8Array): { frame: Uint8Array; items: Uint8Array[] } | undefined {
  const n = data.length;
  if (n < TAIL + 3) return undefined;
  for (let k = 0; k < MAGIC.length; k++) if (data[n - MAGIC.length + k] !== MAGIC[k]) return undefined;
  const total = (data[n - TAIL]! << 8) | data[n - TAIL + 1]!;
  const start = n - TAIL - total;
  // At least one byte of Opus before the items: a trailer alone is not a frame.
  if (total < 3 || start < 1) return undefined;
  const items: Uint8Array[] = [];
  let at = start;
  while (at < n - TAIL) {
    if (at + 2 > n - TAIL) return undefined;
    const len = (data[at]! << 8) | data[at + 1]!;
    if (len === 0 || len > MAX_ITEM_BYTES || items.length >= MAX_ITEMS_PER_FRAME || at + 2 + len > n - TAIL) return undefined;
    items.push(data.slice(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return { frame: data.slice(0, start), items };
}

interface Copy {
  due: number;
  bytes: Uint8Array;
}

/**
 * The copies waiting for a frame, in the order they are due: each item added goes at each of COPY_OFFSETS_MS; a frame
 * takes what is due and fits MAX_TRAILER_BYTES, oldest first; what is due too long ago is dropped.
 */
export class CarrierQueue {
  private copies: Copy[] = [];
  dropped = 0;

  add(bytes: Uint8Array, now: number): void {
    if (bytes.length === 0 || bytes.length > MAX_ITEM_BYTES) return;
    for (const offset of COPY_OFFSETS_MS) this.copies.push({ due: now + offset, bytes });
    this.copies.sort((a, b) => a.due - b.due);
    if (this.copies.length > MAX_QUEUED) {
      const over = this.copies.length - MAX_QUEUED;
      this.copies.splice(0, over);
      this.dropped += over;
    }
  }

  get size(): number {
    return this.copies.length;
  }

  /** What goes with a frame sent now: due copies that fit MAX_TRAILER_BYTES (each also costs its 2-byte length), never the same item twice. */
  take(now: number): Uint8Array[] {
    const stale = this.copies.findIndex((c) => c.due >= now - MAX_LATE_MS);
    const drop = stale === -1 ? this.copies.length : stale;
    if (drop > 0) {
      this.copies.splice(0, drop);
      this.dropped += drop;
    }
    const out: Uint8Array[] = [];
    let room = MAX_TRAILER_BYTES;
    const left: Copy[] = [];
    for (const c of this.copies) {
      if (c.due <= now && c.bytes.length + 2 <= room && out.length < MAX_ITEMS_PER_FRAME && !out.includes(c.bytes)) {
        out.push(c.bytes);
        room -= c.bytes.length + 2;
      } else left.push(c);
    }
    this.copies = left;
    return out;
  }

  clear(): void {
    this.copies = [];
  }
}
