import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCabin } from '../../src/main/app.ts';
import { BridgeFailure } from '../../src/main/bridge/dispatch.ts';
import type { Cabin } from '../../src/main/cabin.ts';
import { demoConfig } from '../../src/main/config.ts';
import { MediaUploads } from '../../src/main/media/uploads.ts';
import { openStore } from '../../src/main/store/index.ts';
import type { EventName } from '../../src/shared/bridge.ts';

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 5000 }, (_, i) => i % 251), 0xff, 0xd9]);

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('MediaUploads', () => {
  let n = 0;
  const uploads = (now = () => 0) => new MediaUploads(() => `u${++n}`, now);
  const start = { kind: 'otoscope-snapshot', mime: 'image/jpeg', width: 1280, height: 720, bytes: JPEG.length } as const;
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

  it('assembles pieces in order into the announced picture', () => {
    const u = uploads();
    const id = u.begin('s1', start);
    u.chunk(id, 0, b64(JPEG.subarray(0, 3000)));
    u.chunk(id, 1, b64(JPEG.subarray(3000)));
    const done = u.commit(id);
    expect(done).toMatchObject({ sessionId: 's1', mime: 'image/jpeg', width: 1280, height: 720, bytes: JPEG.length });
    expect(Buffer.from(done.data).equals(Buffer.from(JPEG))).toBe(true);
    expect(() => u.commit(id)).toThrow(/unknown or expired/);
  });

  it('drops a picture with a piece out of order, bad base64, too many bytes, missing bytes or the wrong type', () => {
    const u = uploads();
    const a = u.begin('s1', start);
    expect(() => u.chunk(a, 1, b64(JPEG))).toThrow(/out of order/);
    expect(() => u.chunk(a, 0, b64(JPEG))).toThrow(/unknown or expired/);
    const b = u.begin('s1', start);
    expect(() => u.chunk(b, 0, 'not base64!')).toThrow(/not base64/);
    const c = u.begin('s1', { ...start, bytes: 10 });
    expect(() => u.chunk(c, 0, b64(JPEG))).toThrow(/larger than announced/);
    const d = u.begin('s1', start);
    u.chunk(d, 0, b64(JPEG.subarray(0, 100)));
    expect(() => u.commit(d)).toThrow(/incomplete \(100 of/);
    const e = u.begin('s1', { ...start, bytes: 8 });
    u.chunk(e, 0, b64(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])));
    let err: unknown;
    try {
      u.commit(e);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(BridgeFailure);
    expect((err as Error).message).toMatch(/not a image\/jpeg file/);
  });

  it('keeps at most three uploads open and forgets abandoned ones after two minutes', () => {
    let now = 0;
    const u = uploads(() => now);
    u.begin('s1', start);
    u.begin('s1', start);
    u.begin('s1', start);
    expect(() => u.begin('s1', start)).toThrow(/Too many pictures/);
    now = 121_000;
    expect(u.begin('s1', start)).toMatch(/^u/);
  });
});

describe('the call handlers of cabin main (no hub configured)', () => {
  let cabin: Cabin | undefined;
  afterEach(async () => {
    await cabin?.stop();
    cabin = undefined;
  });

  it('reports the call as off, lists the session’s unacknowledged readings, and marks acknowledged ones delivered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cabin-call-'));
    cabin = await startCabin(demoConfig({ dataDir }));
    const h = cabin.handlers;
    const events: EventName[] = [];
    cabin.subscribe((name) => events.push(name));
    expect(await h['call:get']({})).toMatchObject({ state: 'off', consultationId: null });
    await expect(Promise.resolve().then(() => h['call:signal']({ data: { pc: 'x', hello: true } }))).rejects.toThrow(/no hub/);
    expect(await h['outbox:pending']({})).toEqual([]);

    await h['session:start']({ language: 'fr' });
    await h['session:consent']({ accepted: true });
    // The demo oximeter streams: readings are stored and queued.
    await until(async () => (await h['outbox:pending']({})).length >= 2, 'two stored readings');
    const pending = await h['outbox:pending']({});
    const session = await h['session:get']({});
    expect(pending[0]).toMatchObject({ id: expect.any(String), deviceId: expect.any(String), code: expect.stringMatching(/^MDC_/), unit: expect.any(String) });
    // Every pending one is a reading of this session (the session view's latest readings are among them).
    for (const r of session.readings) expect(pending.map((p) => p.id).concat(await pendingIds(h))).toContain(r.id);

    const acked = pending.slice(0, 2).map((p) => p.id);
    expect(await h['outbox:ack']({ ids: acked })).toEqual({ marked: 2 });
    expect(await h['outbox:ack']({ ids: acked })).toEqual({ marked: 0 });
    expect((await h['outbox:pending']({})).map((p) => p.id)).not.toContain(acked[0]);

    // An otoscope snapshot is stored with the session.
    const { uploadId } = await h['media:begin']({ kind: 'otoscope-snapshot', mime: 'image/jpeg', width: 640, height: 480, bytes: JPEG.length });
    await h['media:chunk']({ uploadId, seq: 0, data: Buffer.from(JPEG).toString('base64') });
    const { mediaId } = await h['media:commit']({ uploadId });
    await cabin.stop();
    cabin = undefined;
    const store = openStore(join(dataDir, 'cabin.db'));
    try {
      const m = store.media(mediaId);
      expect(m).toMatchObject({ sessionId: session.sessionId, kind: 'otoscope-snapshot', mime: 'image/jpeg' });
    } finally {
      store.close();
    }
  });

  it('refuses a snapshot when no session is in progress', async () => {
    cabin = await startCabin(demoConfig({ dataDir: mkdtempSync(join(tmpdir(), 'cabin-call-')) }));
    await expect(Promise.resolve().then(() => cabin!.handlers['media:begin']({ kind: 'otoscope-snapshot', mime: 'image/png', width: 1, height: 1, bytes: 10 }))).rejects.toThrow(/no session/i);
  });
});

async function pendingIds(h: Cabin['handlers']): Promise<string[]> {
  return (await h['outbox:pending']({})).map((p) => p.id);
}
