import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCabin } from '../../src/main/app.ts';
import type { Cabin } from '../../src/main/cabin.ts';
import { demoConfig } from '../../src/main/config.ts';
import { openStore } from '../../src/main/store/index.ts';
import { Client, doctorToken, startHub, type TestHub } from '../hub/helpers.ts';

/**
 * Issue 11, fault 4: readings stored while the doctor is away, then cabin main restarts (a new cabin on the same store
 * file). The restart ends the visit; its readings must still reach the consultation's report, each exactly once.
 */

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the outbox across a restart of cabin main', () => {
  let t: TestHub | undefined;
  let cabin: Cabin | undefined;
  let doc: Client | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await cabin?.stop();
    cabin = undefined;
    await doc?.close();
    doc = undefined;
    await t?.close();
    t = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('delivers the readings the doctor never confirmed to the report after the restart, exactly once', async () => {
    t = await startHub();
    const dataDir = mkdtempSync(join(tmpdir(), 'cabin-outbox-'));
    dirs.push(dataDir);
    const config = demoConfig({ dataDir, cabinId: 'cab-1', hub: { url: t.hub.url, cabinKey: t.keys['cab-1']! } });
    doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));

    cabin = await startCabin(config);
    const h = cabin.handlers;
    await h['session:start']({ language: 'fr' });
    const visit = (await h['session:consent']({ accepted: true })).sessionId!;
    const queued = await doc.next('queue', (m) => m.items.length > 0, 15_000);
    const consultationId = queued.items[0]!.consultationId;
    doc.send({ type: 'claim', ref: 'c', consultationId });
    await doc.next('consultation', (m) => m.ref === 'c' && m.consultation.state === 'active');
    await until(async () => (await h['call:get']({})).state === 'active', 'the cabin in the call');

    // The doctor's console confirms the first readings (report part stored, then acknowledged to the cabin)...
    await until(async () => (await h['outbox:pending']({})).length >= 6, 'six stored readings');
    const first = (await h['outbox:pending']({})).slice(0, 2);
    doc.send({ type: 'report', ref: 'd1', consultationId, readings: first });
    await doc.next('reported', (m) => m.ref === 'd1');
    expect(await h['outbox:ack']({ ids: first.map((r) => r.id) })).toEqual({ marked: 2 });
    // ...then goes away: the next readings are stored and never acknowledged. Cabin main stops during the visit.
    await until(async () => (await h['outbox:pending']({})).length >= 10, 'readings stored while the doctor is away');
    await cabin.stop();
    cabin = undefined;

    const before = openStore(join(dataDir, 'cabin.db'));
    const all = before.observations(visit).map((o) => o.id);
    const undelivered = before.pendingReadings(visit, 10_000).map((r) => r.id);
    expect(before.session(visit)).toMatchObject({ endedAt: null, consultationId });
    before.close();
    expect(undelivered.length).toBeGreaterThanOrEqual(8);
    expect(all.length).toBe(undelivered.length + 2);

    // The restart: a new cabin main on the same store file ends the visit (crash recovery) and delivers its outbox.
    cabin = await startCabin(config);
    const reportIds = async () => (await t!.hub.store.report(consultationId))!.readings.map((r) => r.id);
    await until(async () => (await reportIds()).length >= all.length, 'every reading in the report');
    const report = (await t.hub.store.report(consultationId))!;
    expect(report.readings.map((r) => r.id).sort()).toEqual([...all].sort());
    const ids = await reportIds();
    expect(new Set(ids).size).toBe(ids.length);
    // The doctor's two as the doctor sent them; the rest marked as delivered by the cabin.
    for (const r of report.readings) expect(r.fromCabinAt === undefined).toBe(first.some((f) => f.id === r.id));

    // Marked delivered on the cabin once the hub stored them: nothing left to send, nothing sent twice.
    await until(() => {
      const s = openStore(join(dataDir, 'cabin.db'));
      try {
        return s.pendingReadings(visit, 10_000).length === 0;
      } finally {
        s.close();
      }
    }, 'the outbox marked delivered');
    const after = openStore(join(dataDir, 'cabin.db'));
    expect(after.session(visit)?.endReason).toBe('crash-recovery');
    after.close();
  }, 60_000);

  it('acknowledges only readings of the visit on screen: a stale page cannot mark another visit’s readings delivered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cabin-outbox-'));
    dirs.push(dataDir);
    const config = demoConfig({ dataDir });
    cabin = await startCabin(config);
    const h = cabin.handlers;
    await h['session:start']({ language: 'fr' });
    const a = (await h['session:consent']({ accepted: true })).sessionId!;
    await until(async () => (await h['outbox:pending']({})).length >= 3, 'readings of the first visit');
    const ofA = (await h['outbox:pending']({})).map((r) => r.id);
    await h['session:end']({ from: 'exam' });
    await h['session:end']({ from: 'end' });
    // No visit on screen: nothing is marked.
    expect(await h['outbox:ack']({ ids: ofA })).toEqual({ marked: 0 });

    await h['assistant:unlock']({ pin: '1234' });
    await h['cleaning:complete']({ done: config.checklist.map((c) => c.id) });
    await h['session:start']({ language: 'fr' });
    await h['session:consent']({ accepted: true });
    await until(async () => (await h['outbox:pending']({})).length >= 1, 'a reading of the next visit');
    const ofB = (await h['outbox:pending']({})).map((r) => r.id);
    // A page left from the first visit acknowledges its readings during the next one: only the next one's count.
    expect(await h['outbox:ack']({ ids: [...ofA, ...ofB] })).toEqual({ marked: ofB.length });
    await cabin.stop();
    cabin = undefined;
    const s = openStore(join(dataDir, 'cabin.db'));
    expect(s.pendingReadings(a, 10_000).map((r) => r.id)).toEqual(expect.arrayContaining(ofA));
    s.close();
  }, 60_000);
});
