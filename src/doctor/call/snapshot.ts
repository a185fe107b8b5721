import type { CabinEvent } from '../../shared/telemetry.ts';

export type SnapshotPiece = Extract<CabinEvent, { type: 'snapshot' }>;
export interface Snapshot {
  id: string;
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  bytes: Uint8Array;
}
export type SnapshotResult = { done: true; snapshot: Snapshot } | { done: false; error?: string };

const MAX_BYTES = 20 * 1024 * 1024;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64; undefined when it is not valid base64 (never throws). */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !B64.test(s)) return undefined;
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

interface Partial {
  first: SnapshotPiece;
  pieces: Map<number, Uint8Array>;
  bytes: number;
  failed?: string;
}

/**
 * Puts otoscope snapshots back together from their `snapshot` pieces, in any order. A piece that disagrees
 * with the first one (size, type, count), or whose data is not base64, spoils the picture: it is reported once.
 */
export class SnapshotAssembler {
  private readonly partial = new Map<string, Partial>();

  add(p: SnapshotPiece): SnapshotResult {
    let s = this.partial.get(p.id);
    if (!s) {
      if (this.partial.size >= 8) this.partial.delete(this.partial.keys().next().value!);
      s = { first: p, pieces: new Map(), bytes: 0 };
      this.partial.set(p.id, s);
    }
    if (s.failed) return { done: false };
    const f = s.first;
    let error: string | undefined;
    if (p.seq >= p.total) error = `piece ${p.seq} of ${p.total} is out of range`;
    else if (p.total !== f.total || p.width !== f.width || p.height !== f.height || p.mime !== f.mime) error = `piece ${p.seq} does not match the first piece`;
    const bytes = error ? undefined : decodeBase64(p.data);
    if (!error && !bytes) error = `piece ${p.seq} is not valid base64`;
    if (error || !bytes) {
      s.failed = error ?? 'invalid piece';
      return { done: false, error: `Snapshot ${p.id}: ${s.failed}.` };
    }
    if (!s.pieces.has(p.seq)) {
      s.pieces.set(p.seq, bytes);
      s.bytes += bytes.length;
    }
    if (s.bytes > MAX_BYTES) {
      s.failed = 'too large';
      return { done: false, error: `Snapshot ${p.id}: larger than ${MAX_BYTES} bytes.` };
    }
    if (s.pieces.size < f.total) return { done: false };
    const out = new Uint8Array(s.bytes);
    let at = 0;
    for (let i = 0; i < f.total; i++) {
      const piece = s.pieces.get(i)!;
      out.set(piece, at);
      at += piece.length;
    }
    this.partial.delete(p.id);
    return { done: true, snapshot: { id: p.id, mime: f.mime, width: f.width, height: f.height, bytes: out } };
  }

  /** Ids still waiting for pieces (a missing piece leaves its snapshot here). */
  pendingIds(): string[] {
    return [...this.partial.entries()].filter(([, s]) => !s.failed).map(([id]) => id);
  }

  missing(id: string): number[] {
    const s = this.partial.get(id);
    if (!s) return [];
    const out: number[] = [];
    for (let i = 0; i < s.first.total; i++) if (!s.pieces.has(i)) out.push(i);
    return out;
  }
}
