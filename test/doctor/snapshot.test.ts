import { describe, expect, it } from 'vitest';
import { decodeBase64, SnapshotAssembler, type SnapshotPiece } from '../../src/doctor/call/snapshot.ts';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
function pieces(id: string, data: Uint8Array, size: number): SnapshotPiece[] {
  const out: SnapshotPiece[] = [];
  const total = Math.ceil(data.length / size);
  for (let i = 0; i < total; i++) {
    out.push({ type: 'snapshot', id, mime: 'image/jpeg', width: 1920, height: 1080, seq: i, total, data: Buffer.from(data.subarray(i * size, (i + 1) * size)).toString('base64') });
  }
  return out;
}

describe('snapshot assembly', () => {
  it('puts pieces received out of order back together', () => {
    const a = new SnapshotAssembler();
    const ps = pieces('s1', bytes, 300);
    const order = [2, 0, 3, 1];
    const results = order.map((i) => a.add(ps[i]!));
    expect(results.slice(0, 3).every((r) => !r.done)).toBe(true);
    const last = results[3]!;
    expect(last.done).toBe(true);
    if (!last.done) return;
    expect(last.snapshot.width).toBe(1920);
    expect(last.snapshot.height).toBe(1080);
    expect(last.snapshot.mime).toBe('image/jpeg');
    expect([...last.snapshot.bytes]).toEqual([...bytes]);
    expect(a.pendingIds()).toEqual([]);
  });

  it('a duplicated piece is harmless', () => {
    const a = new SnapshotAssembler();
    const ps = pieces('s2', bytes, 500);
    expect(a.add(ps[0]!).done).toBe(false);
    expect(a.add(ps[0]!).done).toBe(false);
    const r = a.add(ps[1]!);
    expect(r.done && r.snapshot.bytes.length).toBe(1000);
  });

  it('a missing piece leaves the snapshot incomplete and says which piece', () => {
    const a = new SnapshotAssembler();
    const ps = pieces('s3', bytes, 250);
    for (const p of ps) if (p.seq !== 2) expect(a.add(p).done).toBe(false);
    expect(a.pendingIds()).toEqual(['s3']);
    expect(a.missing('s3')).toEqual([2]);
  });

  it('bad base64 spoils the snapshot with a clear error, once', () => {
    const a = new SnapshotAssembler();
    const ps = pieces('s4', bytes, 500);
    const bad = { ...ps[1]!, data: 'not base64!!' };
    expect(a.add(ps[0]!).done).toBe(false);
    const r = a.add(bad);
    expect(r.done).toBe(false);
    expect(!r.done && r.error).toMatch(/s4.*not valid base64/);
    const again = a.add(ps[1]!);
    expect(again.done).toBe(false);
    expect(!again.done && again.error).toBeUndefined();
  });

  it('a piece that disagrees with the first (count, size) or is out of range is an error', () => {
    const a = new SnapshotAssembler();
    const ps = pieces('s5', bytes, 500);
    a.add(ps[0]!);
    const r = a.add({ ...ps[1]!, width: 640 });
    expect(!r.done && r.error).toMatch(/does not match/);
    const b = new SnapshotAssembler();
    const r2 = b.add({ ...ps[0]!, seq: 5 });
    expect(!r2.done && r2.error).toMatch(/out of range/);
  });

  it('decodeBase64 never throws', () => {
    expect(decodeBase64('AAEC')).toEqual(Uint8Array.from([0, 1, 2]));
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
    for (const s of ['A', 'AB=C', '@@@@', 'AAE', '====', 'AA==AA==']) expect(decodeBase64(s)).toBeUndefined();
  });
});
