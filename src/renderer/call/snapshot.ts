import type { BridgeClient } from '../../shared/bridge.ts';
import { MAX_PICTURE_BYTES } from '../../shared/picture-limits.ts';
import type { CabinEvent } from '../../shared/telemetry.ts';
import { drained, type ChannelLike } from './channel.ts';

export interface Snapshot {
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  bytes: Uint8Array;
}

export type SnapshotPiece = Extract<CabinEvent, { type: 'snapshot' }>;

/** 9 000 bytes → 12 000 base64 characters: each piece decodes on its own (a multiple of 3 bytes). */
export const PIECE_BYTES = 9000;
/** 36 KiB → 48 KiB of base64, the bridge's `media:chunk` limit. */
export const CHUNK_BYTES = 36 * 1024;
export const JPEG_QUALITY = 0.92;

/**
 * The encodings tried in turn until the picture fits the record's limit (MAX_PICTURE_BYTES): the full resolution at
 * falling JPEG qualities first (detail matters more than the last artefacts), then smaller sizes.
 */
export const FIT_STEPS: readonly { quality: number; scale: number }[] = [
  { quality: JPEG_QUALITY, scale: 1 },
  { quality: 0.85, scale: 1 },
  { quality: 0.75, scale: 1 },
  { quality: 0.85, scale: 0.75 },
  { quality: 0.75, scale: 0.5 },
  { quality: 0.6, scale: 0.35 },
];

/**
 * The first of `steps` whose encoding is at most `limit` bytes (the record cannot carry a bigger picture), or undefined
 * when none fits or the encoder fails. `encode` draws and encodes the frame at a scale and quality.
 */
export async function fitUnder<T extends { bytes: Uint8Array }>(
  encode: (quality: number, scale: number) => Promise<T | undefined>,
  limit = MAX_PICTURE_BYTES,
  steps = FIT_STEPS,
): Promise<T | undefined> {
  for (const { quality, scale } of steps) {
    const out = await encode(quality, scale);
    if (!out) return undefined;
    if (out.bytes.length <= limit) return out;
  }
  return undefined;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** The base64 of `bytes`, in pieces of `size` bytes (a multiple of 3, so every piece decodes alone). */
export function base64Pieces(bytes: Uint8Array, size: number): string[] {
  if (size <= 0 || size % 3 !== 0) throw new RangeError(`piece size ${size} must be a positive multiple of 3`);
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(toBase64(bytes.subarray(at, at + size)));
  return out;
}

/** The `snapshot` messages of one picture, in order. */
export function snapshotPieces(id: string, snap: Snapshot): SnapshotPiece[] {
  const data = base64Pieces(snap.bytes, PIECE_BYTES);
  return data.map((d, seq) => ({ type: 'snapshot', id, mime: snap.mime, width: snap.width, height: snap.height, seq, total: data.length, data: d }));
}

/** Stores the picture with the session through main (`media:begin/chunk/commit`); the media id, or an error. */
export async function storeSnapshot(call: BridgeClient['call'], snap: Snapshot): Promise<{ ok: true; mediaId: string } | { ok: false; error: string }> {
  const begin = await call('media:begin', { kind: 'otoscope-snapshot', mime: snap.mime, width: snap.width, height: snap.height, bytes: snap.bytes.length });
  if (!begin.ok) return { ok: false, error: begin.error.message };
  const { uploadId } = begin.value;
  const chunks = base64Pieces(snap.bytes, CHUNK_BYTES);
  for (let seq = 0; seq < chunks.length; seq++) {
    const r = await call('media:chunk', { uploadId, seq, data: chunks[seq]! });
    if (!r.ok) return { ok: false, error: r.error.message };
  }
  const commit = await call('media:commit', { uploadId });
  return commit.ok ? { ok: true, mediaId: commit.value.mediaId } : { ok: false, error: commit.error.message };
}

interface FrameSource {
  width: number;
  height: number;
  draw(ctx: CanvasDrawImage): void;
  close(): void;
}

/** A full-resolution frame of the track: ImageCapture where the browser has it, else a <video> element. */
async function frameOf(track: MediaStreamTrack): Promise<FrameSource | undefined> {
  if (typeof ImageCapture !== 'undefined') {
    try {
      // grabFrame() is in Chromium's ImageCapture but not in TypeScript's DOM types.
      const capture = new ImageCapture(track) as ImageCapture & { grabFrame?: () => Promise<ImageBitmap> };
      if (!capture.grabFrame) throw new Error('no grabFrame');
      const bitmap = await capture.grabFrame();
      return { width: bitmap.width, height: bitmap.height, draw: (ctx) => ctx.drawImage(bitmap, 0, 0), close: () => bitmap.close() };
    } catch {
      // fall back to a video element
    }
  }
  if (typeof document === 'undefined') return undefined;
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  try {
    await video.play();
    if (video.videoWidth === 0) await new Promise((r) => video.addEventListener('loadeddata', r, { once: true }));
  } catch {
    video.srcObject = null;
    return undefined;
  }
  return { width: video.videoWidth, height: video.videoHeight, draw: (ctx) => ctx.drawImage(video, 0, 0), close: () => void (video.srcObject = null) };
}

/**
 * A JPEG of the otoscope's current frame: at its full resolution and quality 0.92 when that fits the record's limit
 * (MAX_PICTURE_BYTES), else the first of FIT_STEPS that does; undefined when there is no frame or nothing fits.
 */
export async function grabJpeg(track: MediaStreamTrack | undefined): Promise<Snapshot | undefined> {
  if (!track || track.readyState !== 'live') return undefined;
  const frame = await frameOf(track);
  if (!frame || frame.width === 0 || frame.height === 0) return undefined;
  try {
    return await fitUnder(async (quality, scale): Promise<Snapshot | undefined> => {
      const width = Math.max(1, Math.round(frame.width * scale));
      const height = Math.max(1, Math.round(frame.height * scale));
      let blob: Blob | null;
      if (typeof OffscreenCanvas !== 'undefined') {
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d');
        if (!ctx) return undefined;
        ctx.scale(scale, scale);
        frame.draw(ctx);
        blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
      } else {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const ctx = canvas.getContext('2d');
        if (!ctx) return undefined;
        ctx.scale(scale, scale);
        frame.draw(ctx);
        blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', quality));
      }
      if (!blob) return undefined;
      return { mime: 'image/jpeg', width, height, bytes: new Uint8Array(await blob.arrayBuffer()) };
    });
  } finally {
    frame.close();
  }
}

export interface SnapshotAnswerDeps {
  call: BridgeClient['call'];
  /** A full-resolution JPEG of the otoscope, or undefined when there is none. */
  grab(): Promise<Snapshot | undefined>;
  /** The `events` channel in use now (a new connection replaces it). */
  current(): ChannelLike | undefined;
  /** Sends one `events` message; false when it did not go. */
  send(msg: CabinEvent): boolean;
  incident?(detail: string): void;
}

/**
 * The doctor's snapshot request `id`: the otoscope's picture is stored through main (for the report), then sent as
 * ordered pieces on the channel in use once it is stored, waiting while that channel is backed up; the result closes it.
 */
export async function answerSnapshot(id: string, d: SnapshotAnswerDeps): Promise<void> {
  let snap: Snapshot | undefined;
  try {
    snap = await d.grab();
  } catch {
    snap = undefined;
  }
  if (!snap) {
    d.send({ type: 'command-result', id, ok: false, error: 'no-otoscope' });
    return;
  }
  const stored = await storeSnapshot(d.call, snap);
  if (!stored.ok) d.incident?.(`Otoscope snapshot not stored: ${stored.error}`.slice(0, 500));
  const channel = d.current();
  for (const piece of snapshotPieces(id, snap)) {
    if (!channel || !(await drained(channel)) || d.current() !== channel || !d.send(piece)) {
      d.send({ type: 'command-result', id, ok: false, error: 'not-sent' });
      return;
    }
  }
  d.send({ type: 'command-result', id, ok: true });
}
