import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bundle, Device, Observation } from '@medplum/fhirtypes';
import { exportFhir } from '../../../src/hub/fhir/export.ts';
import { HubLink } from '../../../src/main/hub/link.ts';
import { ReportDelivery } from '../../../src/main/hub/report-delivery.ts';
import { noteVisitDevice } from '../../../src/main/hub/visit-devices.ts';
import type { DeviceView } from '../../../src/shared/bridge.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { Client, doctorToken, startHub } from '../../hub/helpers.ts';
import { storeTemp } from '../helpers/store-temp.ts';

/** A visit's devices and pleth from cabin main's store to the hub's FHIR export, over the real link and the real hub (issue 13). */

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const CUFF = 'ble-blood-pressure@ble:EC:21:E5:10:20:30';
const OXI = 'contec-cms50-v7@/dev/ttyUSB0';
const cuffView: DeviceView = {
  id: CUFF,
  driver: 'ble-blood-pressure',
  name: 'Blood pressure monitor (BLE)',
  category: 'blood-pressure',
  transport: 'ble',
  path: 'ble:EC:21:E5:10:20:30',
  address: 'EC:21:E5:10:20:30',
  reason: 'assigned',
  commands: [],
  link: 'waiting',
  identity: { manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: '5140700123', firmware: '1.2.0', systemId: '302010feffe521ec' },
};
const oxiView: DeviceView = { id: OXI, driver: 'contec-cms50-v7', name: 'Contec CMS50D+', category: 'oximeter', transport: 'serial', path: '/dev/ttyUSB0', usb: { vendorId: '10c4', productId: 'ea60' }, reason: 'usb', commands: [], link: 'connected' };

describe('a visit’s devices reach the FHIR export', () => {
  it('readings, devices and pleth delivered after the visit give a valid Bundle with the PhdDevices and the waveform; delivered once', async () => {
    const t = await startHub();
    const store = tmp.open(tmp.file());
    // The link and the delivery call each other.
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
    const sent: string[] = [];
    const delivery = new ReportDelivery({
      store,
      link: { report: (c, r, ref) => (sent.push('report'), link.report(c, r, ref)), visitPart: (m) => (sent.push(m.type), link.visitPart(m)) },
      clock: new ManualClock(),
      log: silentLogger(),
      onAudit: (_s, d) => sent.push(`audit: ${d}`),
    });
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

      // The visit as main records it: readings (their devices noted), the oximeter's pleth, then its end.
      store.setConsultation(sid, id);
      const t0 = Date.UTC(2026, 11, 6, 13, 5, 0);
      store.addObservation({ id: 'ox-1', sessionId: sid, deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: t0 });
      noteVisitDevice(store, sid, { kind: 'observation' }, 'taken', oxiView);
      for (const [rid, code, value] of [['bp-s', 'MDC_PRESS_BLD_NONINV_SYS', 131], ['bp-d', 'MDC_PRESS_BLD_NONINV_DIA', 82]] as const) {
        store.addObservation({ id: rid, sessionId: sid, deviceId: CUFF, code, value, unit: 'mm[Hg]', t: t0 + 60_000, measurementId: 'bp:1' });
        noteVisitDevice(store, sid, { kind: 'observation' }, 'taken', cuffView);
      }
      for (let i = 0; i < 12; i++) store.addWaveformChunk({ sessionId: sid, deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', rate: 75, t: t0 + i * 1000, samples: Array.from({ length: 75 }, (_, k) => (k * 7) % 100) });
      store.endSession(sid, 'completed');
      delivery.kick();

      await vi.waitFor(() => expect(store.undeliveredVisits()).toEqual([]), { timeout: 10_000 });
      expect(sent).toEqual(['report', 'device', 'pleth', 'device']);

      const fhir = await exportFhir(t.hub.store, id);
      if (!fhir.ok) throw new Error(`export refused: ${JSON.stringify(fhir)}`);
      const bundle = JSON.parse(fhir.json) as Bundle;
      const devices = (bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Device' ? [e.resource] : []));
      const cuff = devices.find((d) => d.identifier?.some((i) => i.value === CUFF)) as Device;
      expect(cuff).toMatchObject({ manufacturer: 'A&D Medical', modelNumber: 'UA-651BLE', serialNumber: '5140700123' });
      expect(cuff.identifier?.find((i) => i.type?.coding?.[0]?.code === 'SYSID')?.value).toBe('EC-21-E5-FF-FE-10-20-30');
      const oxi = devices.find((d) => d.identifier?.some((i) => i.value === OXI)) as Device;
      expect(oxi.property?.map((p) => p.valueCode?.[0]?.text)).toEqual(['/dev/ttyUSB0', '10c4', 'ea60']);
      const wave = (bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Observation' && e.resource.valueSampledData ? [e.resource as Observation] : []));
      expect(wave).toHaveLength(1);
      expect(wave[0]!.valueSampledData?.data?.split(' ')).toHaveLength(750);
      expect(wave[0]!.valueSampledData?.period).toBe(13.333);
      // The same consultation exported again: the same bytes.
      const again = await exportFhir(t.hub.store, id);
      expect(again.ok && again.hash).toBe(fhir.hash);
    } finally {
      delivery.stop();
      await link.stop();
      await doc?.close();
      await t.close();
    }
  });
});
