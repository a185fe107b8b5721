import { describe, expect, it, vi } from 'vitest';
import type { CallView } from '../../../src/shared/bridge.ts';
import { HubLink } from '../../../src/main/hub/link.ts';
import { ManualClock, runFor, runUntil } from '../../helpers/manual-clock.ts';
import { Client, doctorToken, startHub } from '../../hub/helpers.ts';

const WAITING_GRACE = 300;
const ACTIVE_GRACE = 4 * WAITING_GRACE;

describe('a cabin whose link stays cut during a call (real hub, real cabin link)', () => {
  it('keeps the call past a waiting request’s grace; past its own, the cabin records an end for being offline, not the doctor’s', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startHub({ clock, waitingGraceMs: WAITING_GRACE, activeGraceMs: ACTIVE_GRACE });
    const audit: string[] = [];
    let view: CallView | undefined;
    const link = new HubLink({
      url: t.hub.url,
      cabinId: 'cab-1',
      cabinKey: t.keys['cab-1']!,
      onView: (v) => (view = v),
      onSignal: () => {},
      onAudit: (_action, detail) => audit.push(detail),
      clock: new ManualClock(),
    });
    let doc: Client | undefined;
    try {
      link.start();
      link.want('fr', 'visit-1');
      doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
      await vi.waitFor(async () => expect(await t.hub.store.queue()).toHaveLength(1));
      const id = (await t.hub.store.queue())[0]!.consultationId;
      doc.send({ type: 'claim', ref: 'c', consultationId: id });
      await vi.waitFor(() => expect(view?.state).toBe('active'));

      // The cabin's link goes (the hub sees its socket close) for twice a waiting request's grace: the call stays.
      await link.stop();
      await runFor(clock, 2 * WAITING_GRACE);
      expect(await t.hub.store.consultation(id)).toMatchObject({ state: 'active', cabinLeftAt: null });
      // Past an active consultation's grace the hub takes the cabin as gone.
      await runUntil(clock, async () => (await t.hub.store.consultation(id))!.cabinLeftAt !== null, 5 * ACTIVE_GRACE);

      // The link comes back: the cabin hears its call is over, and records why.
      link.start();
      await vi.waitFor(() => expect(view?.state).toBe('ended'));
      expect(view?.endCause).toBe('cabin-offline');
      expect(audit).toContain(`consultation ${id} ended by the hub: the cabin was offline too long`);
      expect(audit.filter((d) => d.includes('by the doctor'))).toEqual([]);
    } finally {
      await link.stop();
      await doc?.close();
      await t.close();
    }
  });
});
