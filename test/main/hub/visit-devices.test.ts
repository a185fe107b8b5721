import { afterEach, describe, expect, it } from 'vitest';
import { ReportDelivery, type PartAnswer } from '../../../src/main/hub/report-delivery.ts';
import { CONNECTION_GAP_MS, noteVisitDevice, plethExcerpts, visitDevice, type Chunk } from '../../../src/main/hub/visit-devices.ts';
import type { Store } from '../../../src/main/store/index.ts';
import type { DeviceView } from '../../../src/shared/bridge.ts';
import { REPORT_PART_BYTES, ToHubSchema, type ReportReading, type ToHub } from '../../../src/shared/hub-protocol.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { storeTemp } from '../helpers/store-temp.ts';

/** Cabin main tells the hub who a visit's devices are and sends the first seconds of each oximeter connection's pleth (issue 13). */

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const OXI = 'contec-cms50-v7@/dev/ttyUSB0';
const CUFF = 'ble-blood-pressure@ble:EC:21:E5:10:20:30';
const oxiView: DeviceView = {
  id: OXI,
  driver: 'contec-cms50-v7',
  name: 'Contec CMS50D+',
  category: 'oximeter',
  transport: 'serial',
  path: '/dev/ttyUSB0',
  usb: { vendorId: '10c4', productId: 'ea60' },
  reason: 'USB 10c4:ea60 identifies contec-cms50-v7',
  commands: [],
  link: 'connected',
  identity: { model: 'CMS50D+', firmware: '4.6' },
};
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
  identity: { manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: '5140700123', firmware: '1.2.0', systemId: '302010feffe521ec', address: 'EC:21:E5:10:20:30' },
};

const chunk = (t: number, n: number, rate = 60, deviceId = OXI, first = 0): Chunk => ({ deviceId, code: 'MDC_PULS_OXIM_PLETH', rate, t, samples: Array.from({ length: n }, (_, i) => (first + i) % 100) });

describe('a device as the hub is told of it', () => {
  it('carries what main knows: Device Information, Bluetooth address, USB ids; what the wire refuses is left out, never the device', () => {
    expect(visitDevice(cuffView)).toEqual({
      deviceId: CUFF,
      driver: 'ble-blood-pressure',
      name: 'Blood pressure monitor (BLE)',
      transport: 'ble',
      manufacturer: 'A&D Medical',
      model: 'UA-651BLE',
      serial: '5140700123',
      firmware: '1.2.0',
      systemId: '302010feffe521ec',
      address: 'EC:21:E5:10:20:30',
    });
    expect(visitDevice(oxiView)).toMatchObject({ usb: { vendorId: '10c4', productId: 'ea60' }, model: 'CMS50D+', firmware: '4.6' });
    // A System ID that is not 8 bytes, a blank serial: left out; the device still goes.
    const odd = visitDevice({ ...cuffView, identity: { systemId: '0102', serial: '   ', model: 'X'.repeat(300) } });
    expect(odd).not.toHaveProperty('systemId');
    expect(odd).not.toHaveProperty('serial');
    expect(odd.model).toHaveLength(100);
    expect(ToHubSchema.safeParse({ type: 'device', consultationId: 'c', device: odd }).success).toBe(true);
  });
});

describe('pleth excerpts', () => {
  it('takes the first 10 s of each connection (a gap or a new rate starts another), each in one frame', () => {
    const t0 = 1_700_000_000_000;
    // Connection 1: 15 s in 1-s chunks; a 5-s gap; connection 2: 3 s; then the same device at another rate.
    const chunks = [
      ...Array.from({ length: 15 }, (_, i) => chunk(t0 + i * 1000, 60, 60, OXI, i * 60)),
      ...Array.from({ length: 3 }, (_, i) => chunk(t0 + 20_000 + i * 1000, 60)),
      chunk(t0 + 23_000, 100, 100),
      { ...chunk(t0, 60), code: 'MDC_PULS_OXIM_SAT_O2' },
    ];
    const x = plethExcerpts(chunks, 'cons-1');
    expect(x.map((e) => [e.t - t0, e.rate, e.samples.length])).toEqual([
      [0, 60, 600],
      [20_000, 60, 180],
      [23_000, 100, 100],
    ]);
    expect(x[0]!.samples.slice(0, 3)).toEqual([0, 1, 2]);
    expect(x[0]!.samples[599]).toBe(599 % 100);
    // Just within the gap: the same connection.
    expect(plethExcerpts([chunk(t0, 60), chunk(t0 + 1000 + CONNECTION_GAP_MS, 60)], 'c')).toHaveLength(1);
  });

  it('cuts an excerpt that would not fit a frame, and keeps floats short', () => {
    // Float samples kept to 6 significant digits still take 13 bytes each: 4000 of them overflow a frame.
    const floats = Array.from({ length: 4000 }, (_, i) => -(0.000123456789 + i * 1e-9));
    const [e] = plethExcerpts([{ deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', rate: 400, t: 5, samples: floats }], 'c'.repeat(100));
    const frame = JSON.stringify({ type: 'pleth', ref: 'x'.repeat(64), consultationId: 'c'.repeat(100), excerpt: e });
    expect(new TextEncoder().encode(frame).length).toBeLessThanOrEqual(REPORT_PART_BYTES);
    expect(e!.samples.length).toBeGreaterThan(1000);
    expect(e!.samples.length).toBeLessThan(4000);
    expect(e!.samples[1]).toBe(-0.000123458);
  });
});

/** A hub link stand-in that records every message and answers nothing by itself. */
function rig(store: Store) {
  const clock = new ManualClock();
  const sent: ToHub[] = [];
  const link = {
    report: (consultationId: string, readings: ReportReading[], ref: string) => sent.push({ type: 'report', ref, consultationId, readings }) > 0,
    visitPart: (m: Extract<ToHub, { type: 'device' | 'pleth' }>) => sent.push(m) > 0,
  };
  const audits: string[] = [];
  const delivery = new ReportDelivery({ store, link, clock, log: silentLogger(), onAudit: (_s, d) => audits.push(d), answerTimeoutMs: 30_000 });
  const ok = (m: ToHub): PartAnswer => ({ type: 'reported', ref: (m as { ref: string }).ref, count: 1 });
  return { clock, sent, delivery, audits, ok };
}

/** A visit as main records it: the device noted with each reading it took, pleth chunks stored, then ended. */
function visit(s: Store, consultationId: string): string {
  const sid = s.createSession('fr');
  s.setConsultation(sid, consultationId);
  const t0 = 1_700_000_000_000;
  s.addObservation({ id: 'o1', sessionId: sid, deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: t0 });
  noteVisitDevice(s, sid, { kind: 'observation' }, 'taken', { ...oxiView, identity: undefined });
  noteVisitDevice(s, sid, { kind: 'observation' }, 'taken', oxiView);
  // A reading from before the visit does not bring its device; Device Information learnt later refreshes the entry.
  noteVisitDevice(s, sid, { kind: 'observation' }, 'old', cuffView);
  noteVisitDevice(s, sid, { kind: 'identity' }, 'taken', cuffView);
  for (let i = 0; i < 12; i++) s.addWaveformChunk({ sessionId: sid, deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', rate: 60, t: t0 + i * 1000, samples: chunk(0, 60).samples });
  s.addWaveformChunk({ sessionId: sid, deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', rate: 60, t: t0 + 60_000, samples: chunk(0, 60).samples });
  s.endSession(sid, 'completed');
  return sid;
}

describe('delivery of a visit’s devices', () => {
  it('sends the readings, then each device and its pleth one message at a time; the device is delivered only when the hub took the last', () => {
    const s = tmp.open(tmp.file());
    const sid = visit(s, 'cons-1');
    expect(s.pendingDevices(sid, 'cons-1').map((d) => d.refId)).toEqual([`${sid}|${OXI}`]);
    const r = rig(s);
    r.delivery.kick();
    expect(r.sent.map((m) => m.type)).toEqual(['report']);
    r.delivery.answer(r.ok(r.sent[0]!));
    expect(r.sent.map((m) => m.type)).toEqual(['report', 'device']);
    const device = r.sent[1] as Extract<ToHub, { type: 'device' }>;
    expect(device.device).toMatchObject({ deviceId: OXI, model: 'CMS50D+', firmware: '4.6', usb: { vendorId: '10c4', productId: 'ea60' } });
    r.delivery.answer(r.ok(device));
    r.delivery.answer(r.ok(r.sent[2]!));
    // Every message is one the hub's schema takes.
    for (const m of r.sent) expect(ToHubSchema.safeParse(m).success).toBe(true);
    const pleth = r.sent.filter((m): m is Extract<ToHub, { type: 'pleth' }> => m.type === 'pleth');
    expect(pleth.map((m) => [m.excerpt.t - 1_700_000_000_000, m.excerpt.samples.length])).toEqual([
      [0, 600],
      [60_000, 60],
    ]);
    // Not yet: the last excerpt is unanswered.
    expect(s.pendingDevices(sid, 'cons-1')).toHaveLength(1);
    r.delivery.answer(r.ok(r.sent[3]!));
    expect(s.pendingDevices(sid, 'cons-1')).toHaveLength(0);
    expect(s.undeliveredVisits()).toEqual([]);
    expect(r.sent).toHaveLength(4);
  });

  it('after a restart midway, sends the device and its pleth again from the start (the hub keeps each once)', () => {
    const file = tmp.file();
    const s = tmp.open(file);
    const sid = visit(s, 'cons-1');
    const r = rig(s);
    r.delivery.kick();
    r.delivery.answer(r.ok(r.sent[0]!));
    r.delivery.answer(r.ok(r.sent[1]!));
    r.delivery.stop();
    const again = rig(s);
    again.delivery.kick();
    expect(again.sent.map((m) => m.type)).toEqual(['device']);
    expect((again.sent[0] as Extract<ToHub, { type: 'device' }>).device).toEqual((r.sent[1] as Extract<ToHub, { type: 'device' }>).device);
    for (let i = 0; i < 3; i++) again.delivery.answer(again.ok(again.sent[i]!));
    expect(again.sent.map((m) => m.type)).toEqual(['device', 'pleth', 'pleth']);
    expect(s.pendingDevices(sid, 'cons-1')).toEqual([]);
  });

  it('a visit whose readings the doctor’s console confirmed still describes its devices; a refusal is audited and not retried in this process', () => {
    const s = tmp.open(tmp.file());
    const sid = visit(s, 'cons-1');
    s.markDeliveredOf(sid, 'observation', ['o1']);
    const r = rig(s);
    r.delivery.kick();
    expect(r.sent.map((m) => m.type)).toEqual(['device']);
    r.delivery.answer({ type: 'error', ref: (r.sent[0] as { ref: string }).ref, code: 'forbidden', message: 'This consultation is not yours.' });
    expect(r.audits.join('\n')).toMatch(/refused.*forbidden/);
    r.clock.advance(600_000);
    expect(r.sent).toHaveLength(1);
    expect(s.pendingDevices(sid, 'cons-1')).toHaveLength(1);
  });
});
