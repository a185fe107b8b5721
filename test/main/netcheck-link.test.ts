import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubLink } from '../../src/main/hub/link.ts';
import type { CallView } from '../../src/shared/bridge.ts';
import type { NetCheck } from '../../src/shared/netcheck.ts';
import { Client, doctorToken, startHub, type TestHub } from '../hub/helpers.ts';

/** Cabin main's half of the pre-call check against a real hub: pings, probe credentials, and the request's check. */
const TURN_URLS = ['turn:127.0.0.1:3478?transport=udp'];
let t: TestHub;
const links: HubLink[] = [];

beforeAll(async () => {
  t = await startHub({ iceServers: { turn: { urls: TURN_URLS, secret: 's3cret' } } });
});
afterAll(async () => {
  for (const l of links) await l.stop();
  await t.close();
});

function link(cabinId: string, url = t.hub.url): { link: HubLink; views: CallView[] } {
  const views: CallView[] = [];
  const l = new HubLink({ url, cabinId, cabinKey: t.keys[cabinId] ?? 'x'.repeat(20), onView: (v) => views.push(v), onSignal: () => {}, onAudit: () => {}, backoff: { minMs: 50, maxMs: 200 } });
  links.push(l);
  l.start();
  return { link: l, views };
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const check = (verdict: NetCheck['verdict'], at: number): NetCheck => ({ at, verdict, turn: { udp: true, tcp: null, tls: null }, pathRttMs: 320, uplinkKbps: 266, downlinkKbps: 266 });

describe("cabin main's side of the pre-call check", () => {
  it('measures the hub with numbered pings and gets probe credentials of its own', async () => {
    const { link: l, views } = link('cab-1');
    l.want('fr', 'visit-a');
    await until(() => views.some((v) => v.state === 'waiting'));
    const side = await l.probe.check({ pings: 4, everyMs: 20 });
    expect(side.error).toBeNull();
    expect(side.hub).not.toBeNull();
    expect(side.hub!.lossPct).toBe(0);
    expect(side.hub!.rttMs).toBeGreaterThanOrEqual(0);
    expect(side.iceServers).toHaveLength(1);
    expect(side.iceServers[0]!.urls).toEqual(TURN_URLS);
    expect(side.iceServers[0]!.username).toMatch(/^\d+:probe-cab-1$/);
    l.want(null);
  });

  it('a hub that cannot be reached: no round trip, no credentials, said plainly', async () => {
    const { link: l } = link('cab-2', 'http://127.0.0.1:9');
    const side = await l.probe.check({ pings: 2, everyMs: 10, timeoutMs: 300 });
    expect(side).toEqual({ hub: null, iceServers: [], error: 'The hub cannot be reached.' });
    await l.stop();
  });

  it("the request carries the kiosk's check to the doctors, and a newer check reaches them while the patient waits", async () => {
    const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
    await doc.next('queue');
    const { link: l, views } = link('cab-3');
    await until(() => views.some((v) => v.state === 'idle'));
    l.netCheck(check('reduced', 1000));
    l.want('fr', 'visit-b');
    const q = await doc.next('queue', (m) => m.items.some((i) => i.cabinId === 'cab-3'));
    expect(q.items.find((i) => i.cabinId === 'cab-3')!.netcheck?.verdict).toBe('reduced');
    l.netCheck(check('audio-only', 2000));
    const q2 = await doc.next('queue', (m) => m.items.some((i) => i.cabinId === 'cab-3' && i.netcheck?.verdict === 'audio-only'));
    expect(q2.items.find((i) => i.cabinId === 'cab-3')!.netcheck?.at).toBe(2000);
    l.want(null);
    await doc.close();
  });
});
