import type { Bundle, Media } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportFhir } from '../../../src/hub/fhir/export.ts';
import { cabinLogin } from '../../../src/main/hub/cabin-login.ts';
import { HubLink } from '../../../src/main/hub/link.ts';
import { hubMediaSender, mediaOutcome, type MediaPut, type MediaUpload } from '../../../src/main/hub/put-media.ts';
import { ReportDelivery } from '../../../src/main/hub/report-delivery.ts';
import { cachedToken } from '../../../src/main/print/hub-token.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { png } from '../../helpers/png.ts';
import { Client, doctorToken, startHub } from '../../hub/helpers.ts';
import { storeTemp } from '../helpers/store-temp.ts';

/** A visit's otoscope snapshots from cabin main's store to the hub's FHIR export, by HTTP with the cabin's token (issue 13). */

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

describe('what the delivery does with the hub’s answer to a picture', () => {
  const no = (status: number, code: string): MediaPut => ({ ok: false, status, code, message: '' });
  it('2xx taken; network, 5xx, 429 and 401 retried; not its consultation refused with the visit; other 4xx dropped', () => {
    expect(mediaOutcome({ ok: true, stored: false })).toBe('taken');
    for (const r of [no(0, 'unreachable'), no(503, 'http-503'), no(500, 'internal'), no(429, 'busy'), no(401, 'bad-token')]) expect(mediaOutcome(r)).toBe('retry');
    for (const r of [no(403, 'forbidden'), no(404, 'not-found'), no(409, 'not-claimed')]) expect(mediaOutcome(r)).toBe('refused');
    for (const r of [no(400, 'bad-image'), no(413, 'too-large'), no(415, 'unsupported-media-type'), no(409, 'report-full')]) expect(mediaOutcome(r)).toBe('drop');
  });
});

describe('a visit’s snapshots reach the hub', () => {
  it('sent after the visit’s readings, retried after a network failure, a refused one dropped with an audit line, each once; in the FHIR export as Media', async () => {
    const t = await startHub();
    const store = tmp.open(tmp.file());
    const late: { delivery?: ReportDelivery } = {};
    const link = new HubLink({
      url: t.hub.url,
      cabinId: 'cab-1',
      cabinKey: t.keys['cab-1']!,
      onView: () => {},
      onSignal: () => {},
      onAudit: () => {},
      onOpen: () => late.delivery?.kick(),
      onReportAnswer: (m) => late.delivery?.answer(m) ?? false,
      clock: new ManualClock(),
    });
    const clock = new ManualClock();
    const real = hubMediaSender(t.hub.url, cachedToken(() => cabinLogin(t.hub.url, 'cab-1', t.keys['cab-1']!), clock));
    const sent: string[] = [];
    let failNext = 1;
    const sendMedia = async (c: string, m: MediaUpload): Promise<MediaPut> => {
      if (failNext-- > 0) {
        sent.push('media: unreachable');
        return { ok: false, status: 0, code: 'unreachable', message: 'The hub could not be reached (ECONNRESET).' };
      }
      const r = await real(c, m);
      sent.push(`media: ${r.ok ? 'ok' : r.status}`);
      return r;
    };
    const audits: string[] = [];
    const make = () =>
      new ReportDelivery({
        store,
        link: { report: (c, r, ref) => (sent.push('report'), link.report(c, r, ref)), visitPart: (m) => (sent.push(m.type), link.visitPart(m)) },
        clock,
        log: silentLogger(),
        onAudit: (_s, d) => audits.push(d),
        backoff: { minMs: 1000, maxMs: 1000 },
        sendMedia,
      });
    const delivery = make();
    late.delivery = delivery;
    let doc: Client | undefined;
    try {
      const sid = store.createSession('fr');
      link.start();
      link.want('fr', sid);
      doc = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.a'));
      await vi.waitFor(async () => expect(await t.hub.store.queue()).toHaveLength(1));
      const id = (await t.hub.store.queue())[0]!.consultationId;
      doc.send({ type: 'claim', ref: 'c', consultationId: id });
      await vi.waitFor(async () => expect((await t.hub.store.consultation(id))?.state).toBe('active'));

      store.setConsultation(sid, id);
      store.addObservation({ id: 'temp-1', sessionId: sid, deviceId: 'ble-thermometer@ble:A4:C1:38:01:02:03', code: 'MDC_TEMP_EAR', value: 37.4, unit: 'Cel', t: Date.now() });
      const picture = png(32, 24);
      const good = store.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/png', bytes: picture, deliver: true });
      // Said to be a JPEG, but PNG bytes: the hub will never take it.
      store.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes: png(4, 4), deliver: true });
      store.endSession(sid, 'completed');
      delivery.kick();

      await vi.waitFor(() => expect(sent).toContain('media: unreachable'), { timeout: 10_000 });
      expect(store.undeliveredVisits()).toHaveLength(1);
      clock.advance(1000);
      await vi.waitFor(() => expect(store.undeliveredVisits()).toEqual([]), { timeout: 10_000 });
      expect(sent).toEqual(['report', 'media: unreachable', 'media: ok', 'media: 400']);
      expect(audits).toEqual([expect.stringMatching(/^a picture taken out of the outbox, never to be sent to the report: the hub refused it \(bad-image: The picture is not a JPEG file/)]);
      expect(store.pendingOf(sid, 'media')).toEqual([]);

      const kept = await t.hub.store.consultationMedia(id);
      expect(kept.map((m) => m.mediaId)).toEqual([good]);
      expect(Buffer.from(kept[0]!.bytes).equals(Buffer.from(picture))).toBe(true);

      // A restart: nothing is sent again.
      delivery.stop();
      const again = make();
      late.delivery = again;
      again.kick();
      await new Promise((r) => setTimeout(r, 200));
      expect(sent).toHaveLength(4);
      again.stop();

      const fhir = await exportFhir(t.hub.store, id);
      if (!fhir.ok) throw new Error(`export refused: ${JSON.stringify(fhir)}`);
      const media = (JSON.parse(fhir.json) as Bundle).entry?.flatMap((e) => (e.resource?.resourceType === 'Media' ? [e.resource as Media] : [])) ?? [];
      expect(media).toHaveLength(1);
      expect(media[0]!.content).toMatchObject({ contentType: 'image/png', size: picture.length });
    } finally {
      delivery.stop();
      await link.stop();
      await doc?.close();
      await t.close();
    }
  });
});
