import { BridgeFailure } from '../bridge/dispatch.ts';

export interface UploadStart {
  kind: 'otoscope-snapshot';
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  bytes: number;
}

export interface FinishedUpload extends UploadStart {
  sessionId: string;
  bytes: number;
  data: Uint8Array<ArrayBuffer>;
}

interface Upload extends UploadStart {
  sessionId: string;
  pieces: Buffer[];
  received: number;
  startedAt: number;
}

const MAX_OPEN = 3;
const STALE_MS = 120_000;
const MAGIC: Record<UploadStart['mime'], number[]> = { 'image/jpeg': [0xff, 0xd8, 0xff], 'image/png': [0x89, 0x50, 0x4e, 0x47] };

/**
 * A picture arriving from the renderer in base64 pieces (the bridge's frames are small). Pieces must come in
 * order; the total must match what was announced; the bytes must be the announced image type. At most a few
 * uploads are open at once and an abandoned one is dropped after two minutes, so a broken page cannot fill
 * main's memory.
 */
export class MediaUploads {
  private readonly open = new Map<string, Upload>();

  constructor(
    private readonly newId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  begin(sessionId: string, start: UploadStart): string {
    for (const [id, u] of this.open) if (this.now() - u.startedAt > STALE_MS) this.open.delete(id);
    if (this.open.size >= MAX_OPEN) throw new BridgeFailure('busy', 'Too many pictures are being saved at once; try again in a moment.');
    const id = this.newId();
    this.open.set(id, { ...start, sessionId, pieces: [], received: 0, startedAt: this.now() });
    return id;
  }

  chunk(uploadId: string, seq: number, base64: string): void {
    const u = this.get(uploadId);
    if (seq !== u.pieces.length) {
      this.open.delete(uploadId);
      throw new BridgeFailure('bad-upload', `Piece ${seq} of the picture came out of order (expected ${u.pieces.length}); the picture was dropped.`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      this.open.delete(uploadId);
      throw new BridgeFailure('bad-upload', 'A piece of the picture is not base64; the picture was dropped.');
    }
    const piece = Buffer.from(base64, 'base64');
    if (u.received + piece.length > u.bytes) {
      this.open.delete(uploadId);
      throw new BridgeFailure('bad-upload', 'The picture is larger than announced; it was dropped.');
    }
    u.pieces.push(piece);
    u.received += piece.length;
  }

  commit(uploadId: string): FinishedUpload {
    const u = this.get(uploadId);
    this.open.delete(uploadId);
    if (u.received !== u.bytes) throw new BridgeFailure('bad-upload', `The picture is incomplete (${u.received} of ${u.bytes} bytes); it was dropped.`);
    const data: Uint8Array<ArrayBuffer> = new Uint8Array(Buffer.concat(u.pieces));
    if (!MAGIC[u.mime].every((b, i) => data[i] === b)) throw new BridgeFailure('bad-upload', `The picture is not a ${u.mime} file; it was dropped.`);
    const { pieces: _p, received: _r, startedAt: _s, ...rest } = u;
    return { ...rest, data };
  }

  private get(uploadId: string): Upload {
    const u = this.open.get(uploadId);
    if (!u) throw new BridgeFailure('bad-upload', 'This picture upload is unknown or expired.');
    return u;
  }
}
