import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHub } from '../../src/hub/server.ts';
import { ManualClock, runFor, runUntil } from '../helpers/manual-clock.ts';
import { Client, activeConsultation, cabinToken, doctorToken, startHub, type TestHub } from './helpers.ts';

const GRACE = 300;
/** An active consultation's grace for its cabin, longer than a waiting one's (a cabin's link may drop for minutes). */
const ACTIVE_GRACE = 4 * GRACE;

/** The same hub started again on its database (a crash or an upgrade): every socket is gone, the rows stay. */
async function restart(g: TestHub, clock: ManualClock): Promise<TestHub> {
  await g.hub.close();
  const hub = await createHub({ dbPath: g.db, clock, waitingGraceMs: GRACE, activeGraceMs: ACTIVE_GRACE });
  return {
    ...g,
    hub,
    close: async () => {
      await hub.close();
      rmSync(g.dir, { recursive: true, force: true });
    },
  };
}

async function waitingRequest(g: TestHub, cabinId: string): Promise<{ cabin: Client; id: string }> {
  const cabin = await Client.open(g.hub.wsUrl, await cabinToken(g, cabinId));
  cabin.send({ type: 'request', ref: 'r', language: 'fr' });
  const id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
  return { cabin, id };
}

describe('a waiting request across a restart of the hub', () => {
  it('is swept from every queue when its cabin does not come back within the grace period, and a claim is refused', async () => {
    const clock = new ManualClock(Date.now());
    let g = await startHub({ clock, waitingGraceMs: GRACE });
    try {
      const { cabin, id } = await waitingRequest(g, 'cab-1');
      cabin.ws.terminate();
      g = await restart(g, clock);

      // After the restart the request is still in the queue: the cabin has the grace period to come back.
      const doc = await Client.open(g.hub.wsUrl, await doctorToken(g, 'dr.a'));
      expect((await doc.next('queue')).items.map((i) => i.consultationId)).toEqual([id]);
      // It does not: the request leaves every doctor's queue…
      await runUntil(clock, () => doc.pending.some((m) => m.type === 'queue'), 5 * GRACE);
      expect((await doc.next('queue')).items).toEqual([]);
      expect(await g.hub.store.queue()).toEqual([]);
      expect(await g.hub.store.report(id)).toMatchObject({
        state: 'cancelled',
        incidents: [{ side: 'hub', detail: 'cancelled: the cabin did not come back after the hub restarted' }],
      });
      // …and a doctor who still had it on screen cannot claim it for an empty cabin.
      doc.send({ type: 'claim', ref: 'c', consultationId: id });
      expect(await doc.next('error', (m) => m.ref === 'c')).toMatchObject({ code: 'not-waiting' });
      expect((await g.hub.store.consultation(id))!.doctorId).toBeNull();
      await doc.close();
    } finally {
      await g.close();
    }
  });

  it('keeps its place when its cabin comes back within the grace period', async () => {
    const clock = new ManualClock(Date.now());
    let g = await startHub({ clock, waitingGraceMs: GRACE });
    try {
      const { cabin, id } = await waitingRequest(g, 'cab-2');
      cabin.ws.terminate();
      g = await restart(g, clock);
      await runFor(clock, GRACE / 2);
      const back = await Client.open(g.hub.wsUrl, await cabinToken(g, 'cab-2'));
      expect((await back.next('consultation')).consultation).toMatchObject({ consultationId: id, state: 'waiting' });
      await runFor(clock, 3 * GRACE);
      expect((await g.hub.store.consultation(id))!.state).toBe('waiting');
      const doc = await Client.open(g.hub.wsUrl, await doctorToken(g, 'dr.a'));
      expect((await doc.next('queue')).items.map((i) => i.consultationId)).toEqual([id]);
      doc.send({ type: 'claim', ref: 'c', consultationId: id });
      expect((await doc.next('consultation', (m) => m.ref === 'c')).consultation).toMatchObject({ state: 'active', peerPresent: true });
      await Promise.all([back.close(), doc.close()]);
    } finally {
      await g.close();
    }
  });
});

describe('a waiting request whose cabin is offline, within the grace period', () => {
  it('is shown offline in the queue and cannot be claimed until its cabin comes back; then it can', async () => {
    const clock = new ManualClock(Date.now());
    let g = await startHub({ clock, waitingGraceMs: GRACE });
    try {
      const { cabin, id } = await waitingRequest(g, 'cab-3');
      cabin.ws.terminate();
      await runFor(clock, 10);
      g = await restart(g, clock);
      const startedAt = Math.floor(clock.now());
      await runFor(clock, GRACE / 3);

      const doc = await Client.open(g.hub.wsUrl, await doctorToken(g, 'dr.a'));
      const [item] = (await doc.next('queue')).items;
      expect(item).toMatchObject({ consultationId: id, offlineSince: startedAt });
      // A claim for the empty cabin is refused, with a code the console says in words; nothing changes.
      doc.send({ type: 'claim', ref: 'c1', consultationId: id });
      expect(await doc.next('error', (m) => m.ref === 'c1')).toMatchObject({ code: 'cabin-offline' });
      expect(await g.hub.store.consultation(id)).toMatchObject({ state: 'waiting', doctorId: null });

      // The cabin comes back: every doctor's queue says so at once, and the claim goes through.
      const back = await Client.open(g.hub.wsUrl, await cabinToken(g, 'cab-3'));
      const online = await doc.next('queue');
      expect(online.items.map((i) => i.consultationId)).toEqual([id]);
      expect(online.items[0]).not.toHaveProperty('offlineSince');
      doc.send({ type: 'claim', ref: 'c2', consultationId: id });
      expect((await doc.next('consultation', (m) => m.ref === 'c2')).consultation).toMatchObject({ state: 'active', peerPresent: true });
      await Promise.all([back.close(), doc.close()]);
    } finally {
      await g.close();
    }
  });

  it('goes offline in the queue the moment its cabin drops, without a restart', async () => {
    const clock = new ManualClock(Date.now());
    const g = await startHub({ clock, waitingGraceMs: GRACE });
    try {
      const { cabin, id } = await waitingRequest(g, 'cab-1');
      const doc = await Client.open(g.hub.wsUrl, await doctorToken(g, 'dr.a'));
      expect((await doc.next('queue')).items[0]).not.toHaveProperty('offlineSince');
      const droppedAt = Math.floor(clock.now());
      cabin.ws.terminate();
      expect((await doc.next('queue')).items).toEqual([expect.objectContaining({ consultationId: id, offlineSince: droppedAt })]);
      doc.send({ type: 'claim', ref: 'c', consultationId: id });
      expect(await doc.next('error', (m) => m.ref === 'c')).toMatchObject({ code: 'cabin-offline' });
      await doc.close();
    } finally {
      await g.close();
    }
  });
});

/**
 * An active consultation of cab-1 with dr.a whose cabin main is killed (its socket drops without a word): `run` starts
 * once the doctor has seen the cabin away (reconnecting), not left.
 */
async function cabinAway(run: (t: { g: TestHub; clock: ManualClock; doc: Client; id: string }) => Promise<void>): Promise<void> {
  const clock = new ManualClock(Date.now());
  const g = await startHub({ clock, waitingGraceMs: GRACE, activeGraceMs: ACTIVE_GRACE });
  try {
    const { cabin, doc, id } = await activeConsultation(g, 'cab-1', 'dr.a');
    cabin.ws.terminate();
    const away = await doc.next('consultation', (m) => !m.consultation.peerPresent);
    expect(away.consultation.cabinLeft).toBeUndefined();
    await run({ g, clock, doc, id });
    await doc.close();
  } finally {
    await g.close();
  }
}

describe('a cabin gone from an active consultation', () => {
  it('is shown to the doctor as having left (reason "gone") once it stays away past the grace period', () =>
    cabinAway(async ({ g, clock, doc, id }) => {
      await runUntil(clock, () => doc.pending.some((m) => m.type === 'consultation' && m.consultation.cabinLeft !== undefined), 5 * ACTIVE_GRACE);
      const left = await doc.next('consultation', (m) => m.consultation.cabinLeft !== undefined);
      expect(left.consultation).toMatchObject({ consultationId: id, state: 'active', cabinLeft: { reason: 'gone' } });
      expect((await g.hub.store.report(id))!.incidents.map((i) => i.detail)).toContain('the cabin left: its connection did not come back within the grace period');
      // The cabin coming back late hears its call is over, and why: offline too long, not the doctor's doing.
      const late = await Client.open(g.hub.wsUrl, await cabinToken(g, 'cab-1'));
      late.send({ type: 'join', ref: 'j', consultationId: id });
      expect(await late.next('ended', (m) => m.ref === 'j')).toMatchObject({ consultationId: id, reason: 'cancelled', cause: 'cabin-offline' });
      await late.close();
      // The consultation stays the doctor's, for the notes and the report.
      doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Cabin lost.', readings: [] });
      expect(await doc.next('ended', (m) => m.ref === 'e')).toMatchObject({ reason: 'ended', cause: 'doctor-ended' });
    }));

  it('keeps the call through a cut longer than a waiting request’s grace, and takes the cabin as gone only after its own', () =>
    cabinAway(async ({ g, clock, doc, id }) => {
      const wentAt = clock.now();
      // Three waiting graces later the call is still open, the doctor told only that the cabin is away.
      await runFor(clock, 3 * GRACE);
      expect(await g.hub.store.consultation(id)).toMatchObject({ state: 'active', cabinLeftAt: null });
      expect(doc.pending.filter((m) => m.type === 'consultation' && m.consultation.cabinLeft)).toEqual([]);
      // Past its own grace, the cabin is taken as gone, not before.
      await runUntil(clock, async () => (await g.hub.store.consultation(id))!.cabinLeftAt !== null, 5 * ACTIVE_GRACE);
      expect(clock.now() - wentAt).toBeGreaterThanOrEqual(ACTIVE_GRACE);
      expect((await doc.next('consultation', (m) => m.consultation.cabinLeft !== undefined)).consultation.cabinLeft).toMatchObject({ reason: 'gone' });
    }));

  it('lets the doctor end the consultation while the cabin is away; the cabin back hears the doctor ended it', () =>
    cabinAway(async ({ g, clock, doc, id }) => {
      await runFor(clock, 2 * GRACE);
      doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Ended while the cabin was away.', readings: [] });
      expect(await doc.next('ended', (m) => m.ref === 'e')).toMatchObject({ consultationId: id, reason: 'ended', cause: 'doctor-ended' });
      // The cabin's timer running out later changes nothing.
      await runFor(clock, 2 * ACTIVE_GRACE);
      expect(await g.hub.store.consultation(id)).toMatchObject({ state: 'ended', cabinLeftAt: null });
      const back = await Client.open(g.hub.wsUrl, await cabinToken(g, 'cab-1'));
      back.send({ type: 'join', ref: 'j', consultationId: id });
      expect(await back.next('ended', (m) => m.ref === 'j')).toMatchObject({ consultationId: id, reason: 'ended', cause: 'doctor-ended' });
      await back.close();
    }));

  it('is not marked left when it comes back within the grace period', () =>
    cabinAway(async ({ g, clock, doc, id }) => {
      await runFor(clock, ACTIVE_GRACE / 2);
      const back = await Client.open(g.hub.wsUrl, await cabinToken(g, 'cab-1'));
      await doc.next('consultation', (m) => m.consultation.peerPresent);
      await runFor(clock, 3 * ACTIVE_GRACE);
      expect(await g.hub.store.consultation(id)).toMatchObject({ state: 'active', cabinLeftAt: null });
      expect(doc.pending.filter((m) => m.type === 'consultation' && m.consultation.cabinLeft)).toEqual([]);
      await back.close();
    }));

  it('after a restart of the hub, the doctor who comes back is told the cabin left when it never returns', async () => {
    const clock = new ManualClock(Date.now());
    let g = await startHub({ clock, waitingGraceMs: GRACE, activeGraceMs: ACTIVE_GRACE });
    try {
      const { cabin, doc, id } = await activeConsultation(g, 'cab-3', 'dr.b');
      cabin.ws.terminate();
      doc.ws.terminate();
      g = await restart(g, clock);
      const again = await Client.open(g.hub.wsUrl, await doctorToken(g, 'dr.b'));
      expect((await again.next('consultation')).consultation).toMatchObject({ consultationId: id, peerPresent: false });
      await runUntil(clock, () => again.pending.some((m) => m.type === 'consultation' && m.consultation.cabinLeft !== undefined), 5 * ACTIVE_GRACE);
      expect((await again.next('consultation', (m) => m.consultation.cabinLeft !== undefined)).consultation.cabinLeft).toMatchObject({ reason: 'gone' });
      await again.close();
    } finally {
      await g.close();
    }
  });
});
