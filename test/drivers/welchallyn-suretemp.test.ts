import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, ObservationEvent } from '../../src/shared/device-event.ts';
import { driver } from '../../drivers/welchallyn-suretemp/index.ts';
import { readRecord } from '../../drivers/welchallyn-suretemp/record.ts';
import {
  checkChunking,
  checkFuzz,
  concat,
  cutAt,
  decodeChunks,
  expectValidEvents,
  hex,
  runSession,
} from '../helpers/driver-harness.ts';

const TEMP = 'MDC_TEMP_BODY';

const obs = (events: readonly DeviceEvent[]): ObservationEvent[] =>
  events.filter((e): e is ObservationEvent => e.kind === 'observation');
const temps = (events: readonly DeviceEvent[]): number[] => obs(events).map((e) => e.value!);
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [e.detail === undefined ? e.status : `${e.status}/${e.detail}`] : []));

/**
 * Decodes byte runs that reach the decoder at the given times, each re-cut wherever `cuts` (offsets into the
 * whole stream) fall inside it: a serial read never spans the pause between two runs.
 */
function decodeTimed(runs: readonly { t: number; bytes: Uint8Array }[], cuts: readonly number[] = []): DeviceEvent[] {
  const d = driver.createDecoder();
  const events: DeviceEvent[] = [];
  let at = 0;
  for (const { t, bytes } of runs) {
    const inside = cuts.filter((c) => c > at && c < at + bytes.length).map((c) => c - at);
    for (const chunk of cutAt(bytes, inside)) events.push(...d.push(chunk, t));
    at += bytes.length;
  }
  return events;
}

/** Wraps data in a good response packet; the checksum is computed here, independently of the driver. */
function responsePacket(data: Uint8Array, cmd = [0x94, 0x1c]): Uint8Array {
  const head = [0x03, 0x02, 0x10, cmd[0]!, cmd[1]!, 0x02, data.length & 0xff, data.length >> 8];
  const body = [...head, ...data];
  const sum = body.reduce((s, b) => s + b, 0);
  return Uint8Array.from([...body, (256 - (sum % 256)) % 256]);
}

interface RecordFields {
  finalK?: number;
  probe?: Uint8Array;
  counter?: number;
  method?: number;
  error?: number;
  active?: boolean;
  size?: number;
}

function recordPacket(r: RecordFields): Uint8Array {
  const data = new Uint8Array(r.size ?? 19);
  const v = new DataView(data.buffer);
  v.setFloat32(0, r.finalK ?? 0, true);
  data.set(r.probe ?? hex('76 AF 99 43'), 4);
  v.setUint32(8, r.counter ?? 10, true);
  data[12] = r.method ?? 0;
  data[14] = 2;
  v.setUint16(15, r.error ?? 0, true);
  data[17] = r.active === false ? 0 : 1;
  return responsePacket(data);
}

const K = (c: number): number => c + 273.15;

describe('welchallyn-suretemp: worked examples of protocols.md §6.1', () => {
  it('the poll is exactly 03 02 10 94 1C 01 00 00 3A, sent every 500 ms (≥ 173 ms)', () => {
    expect(driver.link.poll?.frames.map((f) => f.bytes)).toEqual([[0x03, 0x02, 0x10, 0x94, 0x1c, 0x01, 0x00, 0x00, 0x3a]]);
    expect(driver.link.poll?.everyMs).toBe(500);
  });

  it('set-method commands are 2A 12 with 1 (monitor) / 0 (predict), checksums summing to 0', () => {
    expect(driver.link.commands['monitor-mode']?.frames[0]?.bytes).toEqual([...hex('03 02 10 2A 12 01 01 00 01 AC')]);
    expect(driver.link.commands['predict-mode']?.frames[0]?.bytes).toEqual([...hex('03 02 10 2A 12 01 01 00 00 AD')]);
  });

  it('probe temperature 76 AF 99 43 = 307.37 K = 34.22 °C, and it is not the patient temperature', () => {
    const pkt = recordPacket({ finalK: 0, probe: hex('76 AF 99 43') });
    expect([...pkt.subarray(0, 8)]).toEqual([...hex('03 02 10 94 1C 02 13 00')]);
    const r = readRecord(new DataView(pkt.buffer, pkt.byteOffset), 8);
    expect(r.probeK).toBeCloseTo(307.37, 2);
    expect(r.probeK - 273.15).toBeCloseTo(34.22, 2);
    const ev = decodeChunks(driver, [pkt]);
    expect(obs(ev)).toEqual([]);
    expect(statuses(ev)).toEqual(['measuring/predicting']);
  });

  it('a final temperature becomes one Cel observation rounded to 0.1 °C', () => {
    const ev = decodeChunks(driver, [recordPacket({ finalK: K(37.2345) })]);
    expectValidEvents(driver, ev);
    expect(obs(ev)).toEqual([
      { kind: 'observation', code: TEMP, value: 37.2, unit: 'Cel', t: 0, measurementId: expect.stringMatching(/^suretemp-/) },
    ]);
    expect(statuses(ev)).toEqual(['ok']);
  });

  it('reads the 33-byte record variant the same way', () => {
    expect(temps(decodeChunks(driver, [recordPacket({ finalK: K(36.8), size: 33 })]))).toEqual([36.8]);
  });
});

describe('welchallyn-suretemp: invalid or missing values become statuses', () => {
  it.each([
    ['no final temperature yet, probe in the well', { finalK: 0, active: false }, 'ok/ready'],
    ['no final temperature yet, monitor mode', { finalK: 0, method: 1 }, 'measuring/monitoring'],
    ['device error with a final value', { finalK: K(37), error: 12 }, 'error/device-error-12'],
    ['final temperature out of range (20 °C)', { finalK: K(20) }, 'error/out-of-range'],
    ['final temperature not a number', { finalK: Number.NaN }, 'error/out-of-range'],
    ['negative Kelvin', { finalK: -5 }, 'error/out-of-range'],
  ])('%s', (_name, fields, status) => {
    const ev = decodeChunks(driver, [recordPacket(fields)]);
    expect(obs(ev)).toEqual([]);
    expect(statuses(ev)).toEqual([status]);
  });

  it('drops a packet with a bad checksum, silently', () => {
    const pkt = recordPacket({ finalK: K(37) });
    pkt[pkt.length - 1] = pkt.at(-1)! ^ 0x01;
    expect(decodeChunks(driver, [pkt])).toEqual([]);
  });
});

describe('welchallyn-suretemp: one observation per measurement', () => {
  it('the same record polled again is not a new measurement; 0.0 then a value, a counter reset or a new value is', () => {
    const d = driver.createDecoder();
    const ev: DeviceEvent[] = [];
    const at = (r: RecordFields, t: number): void => void ev.push(...d.push(recordPacket(r), t));
    at({ finalK: K(37.2), counter: 30 }, 0);
    at({ finalK: K(37.2), counter: 33 }, 500);
    at({ finalK: K(37.2), counter: 36 }, 5000);
    at({ finalK: 0, counter: 2 }, 5500); // next measurement started
    at({ finalK: K(37.2), counter: 25 }, 9000); // identical reading, new measurement
    at({ finalK: K(37.2), counter: 3 }, 20000); // counter went back: missed the 0.0, still new
    at({ finalK: K(37.3), counter: 6 }, 20500); // revised value (monitor mode)
    const o = obs(ev);
    expect(o.map((e) => [e.value, e.t])).toEqual([
      [37.2, 0],
      [37.2, 9000],
      [37.2, 20000],
      [37.3, 20500],
    ]);
    expect(new Set(o.map((e) => e.measurementId)).size).toBe(4);
  });
});

describe('welchallyn-suretemp: simulator round trip', () => {
  it('normal: polls every 500 ms; prediction at 37.2 °C 4 s after the probe is out; a set value arrives; any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 28 }), { maxLength: 6 }), (cuts) => {
        const r = runSession(driver, {
          durationMs: 40_000,
          chunk: (b) => cutAt(b, cuts),
          changes: [{ atMs: 10_000, values: { temperature: 38.4, completeMeasurement: true } }],
        });
        expectValidEvents(driver, r.events);
        expect(r.sent).toHaveLength(81);
        expect(r.sent.every((f) => f.bytes.join() === driver.link.poll!.frames[0]!.bytes.join())).toBe(true);
        // Probe out at 2 s → 37.2 at 6 s; set at 10 s (probe out now) → 38.4 at 14 s; next cycle out at 30 s → 34 s.
        expect(obs(r.events).map((e) => [e.value, e.t])).toEqual([
          [37.2, 6_000],
          [38.4, 14_000],
          [38.4, 34_000],
        ]);
        expect(new Set(obs(r.events).map((e) => e.measurementId)).size).toBe(3);
        expect(statuses(r.events).slice(0, 4)).toEqual(['ok/ready', 'measuring/predicting', 'ok', 'measuring/predicting']);
      }),
      { numRuns: 15 },
    );
  });

  it('monitor-mode command: the module answers, reports monitoring, and the reading comes later', () => {
    const r = runSession(driver, { durationMs: 12_000, commands: [{ atMs: 1_000, name: 'monitor-mode' }] });
    expect(r.sent.filter((f) => f.bytes[3] === 0x2a)).toHaveLength(1);
    // The good response to 2A 12 is a valid packet: recognition and decoding go on.
    expect(statuses(r.events)).toEqual(['ok/ready', 'measuring/monitoring', 'ok']);
    expect(obs(r.events).map((e) => [e.value, e.t])).toEqual([[37.2, 10_000]]);
  });

  it('error: the device error code is a status, and no temperature is emitted', () => {
    const r = runSession(driver, { scenario: 'error', durationMs: 30_000 });
    expect(obs(r.events)).toEqual([]);
    expect(statuses(r.events)).toContain('error/device-error-3');
  });

  it('noisy: garbage between answers costs nothing', () => {
    const r = runSession(driver, { scenario: 'noisy', durationMs: 30_000 });
    expectValidEvents(driver, r.events);
    expect(obs(r.events).map((e) => [e.value, e.t])).toEqual([
      [37.2, 6_000],
      [37.2, 26_000],
    ]);
  });

  it('without polls the module says nothing (it is a slave)', () => {
    const sim = driver.createSimulator();
    expect(sim.advance(10_000)).toEqual([]);
    expect(sim.receive({ kind: 'data', bytes: [0x03, 0x02, 0x10, 0x94, 0x1c, 0x01, 0x00, 0x00, 0x3b] }, 10_000)).toEqual([]);
  });

  it('recognises the module after two consecutive valid packets', () => {
    const d = driver.createDecoder();
    d.push(recordPacket({}), 0);
    expect(d.recognised).toBe(false);
    d.push(recordPacket({}), 0);
    expect(d.recognised).toBe(true);
  });
});

describe('welchallyn-suretemp: contract checks', () => {
  it('survives fuzzing', () => {
    checkFuzz(driver);
  });

  it('decodes the same whatever the chunking', () => {
    const chunks: Uint8Array[] = [];
    for (const s of driver.scenarios) {
      const sim = driver.createSimulator(s);
      for (let t = 0; t <= 30_000; t += 500) {
        chunks.push(...sim.advance(t), ...sim.receive(driver.link.poll!.frames[0]!, t));
      }
    }
    checkChunking(driver, concat(chunks));
  });

  it('recovers from garbage (preambles, fake headers) by the second valid packet', () => {
    // The garbage comes first, then one record per poll (every 500 ms).
    const check = (garbage: Uint8Array[], cuts: number[]): void => {
      const good = [36.5, 36.6, 36.7].map((c, i) => recordPacket({ finalK: K(c), counter: 40 + i }));
      const ev = decodeTimed([{ t: 0, bytes: concat(garbage) }, ...good.map((p, i) => ({ t: 500 * (i + 1), bytes: p }))], cuts);
      expectValidEvents(driver, ev);
      const t = temps(ev);
      expect(t.slice(-2)).toEqual([36.6, 36.7]);
      expect(t.every((v) => v === 36.5 || v === 36.6 || v === 36.7)).toBe(true);
    };
    const junk = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom(hex('03'), hex('03 02'), hex('03 02 10'), hex('03 02 10 94 1C 02 13 00'), hex('03 02 10 94 1C 02 40 00 01')),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(junk, fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 10 }), (garbage, cuts) => check(garbage, cuts)),
      { numRuns: 300 },
    );
    // Found by the property: a fake record header claiming 64 data bytes whose 8-bit checksum, taken over the
    // next two real packets, passes by chance. It must be dropped at its size, not swallow those packets.
    check([hex('03 02 10 94 1C 02 40 00 01'), hex('CE 12 39 79 F1 70')], []);
    check([hex('03 02 10 94 1C 02 40 00 01'), hex('01 6E 9D 43')], []);
  });
});
