import { describe, expect, it } from 'vitest';
import { base64Pieces, CHUNK_BYTES, PIECE_BYTES, snapshotPieces, toBase64 } from '../../../src/renderer/call/snapshot.ts';
import { CabinEventSchema, MAX_EVENT_BYTES } from '../../../src/shared/telemetry.ts';

const bytes = (n: number) => new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);

describe('snapshot pieces', () => {
  it('base64 matches Node for any length', () => {
    for (const n of [0, 1, 2, 3, 4, 100_000]) expect(toBase64(bytes(n))).toBe(Buffer.from(bytes(n)).toString('base64'));
  });

  it('pieces are 12 000 base64 chars (the events limit), each decodable alone, in order', () => {
    const b = bytes(PIECE_BYTES * 2 + 5);
    const pieces = snapshotPieces('s1', { mime: 'image/jpeg', width: 640, height: 480, bytes: b });
    expect(pieces.map((p) => [p.seq, p.total, p.data.length])).toEqual([
      [0, 3, 12_000],
      [1, 3, 12_000],
      [2, 3, 8],
    ]);
    expect(Buffer.concat(pieces.map((p) => Buffer.from(p.data, 'base64')))).toEqual(Buffer.from(b));
    for (const p of pieces) {
      expect(CabinEventSchema.safeParse(p).success).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    }
  });

  it('storage chunks fit the bridge limit of 48 KiB of base64', () => {
    const chunks = base64Pieces(bytes(CHUNK_BYTES * 3 + 1), CHUNK_BYTES);
    expect(chunks.map((c) => c.length)).toEqual([48 * 1024, 48 * 1024, 48 * 1024, 4]);
  });

  it('refuses a piece size that would split base64 groups', () => {
    expect(() => base64Pieces(bytes(10), 4)).toThrow(RangeError);
    expect(() => base64Pieces(bytes(10), 0)).toThrow(RangeError);
  });
});
