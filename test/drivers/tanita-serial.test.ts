import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, ObservationEvent } from '../../src/shared/device-event.ts';
import { driver } from '../../drivers/tanita-serial/index.ts';
import {
  checkChunking,
  checkFuzz,
  concat,
  cutAt,
  decodeChunks,
  expectValidEvents,
  runSession,
} from '../helpers/driver-harness.ts';

const WEIGHT = 'MDC_MASS_BODY_ACTUAL';
const HEIGHT = 'MDC_LEN_BODY_ACTUAL';
const BMI = 'MDC_RATIO_MASS_BODY_LEN_SQ';
const FAT = 'MDC_BODY_FAT';

const SC330 =
  '{0,16,~0,1,~1,1,~2,1,MO,"SC-330",SN,"00000001",ID,"0000000000",Da,"25/09/2014",TI,"08:20",Bt,0,GE,1,AG,34,' +
  'Hm,191.0,Pt,0.0,Wk,89.2,FW,18.8,fW,16.8,MW,72.4,mW,68.8,sW,13,bW,3.6,wW,48.0,ww,53.8,MI,24.5,Sw,80.3,OV,11.1,' +
  'IF,6,rb,8874,rB,2121,rJ,13,rA,29,ZF,501.8,CS,D9\r\n';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const decode = (text: string): DeviceEvent[] => decodeChunks(driver, [ascii(text)]);
const obs = (events: readonly DeviceEvent[]): ObservationEvent[] =>
  events.filter((e): e is ObservationEvent => e.kind === 'observation');
const values = (events: readonly DeviceEvent[], code: string): number[] =>
  obs(events).flatMap((e) => (e.code === code ? [e.value!] : []));
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [e.detail === undefined ? e.status : `${e.status}/${e.detail}`] : []));

/** A line with the header, the given tag,value pairs and a correct CS (computed here, independently). */
function record(pairs: string): string {
  const body = `{0,16,~0,1,~1,1,~2,1,MO,"SC-330",SN,"00000007",${pairs},`;
  let sum = 0;
  for (const c of body) sum += c.charCodeAt(0);
  return `${body}CS,${(sum % 256).toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

describe('tanita-serial: worked example of protocols.md §5.1', () => {
  it('the SC-330 line verifies (CS D9) and decodes to Wk 89.2, Hm 191.0, FW 18.8, MI 24.5', () => {
    const body = SC330.slice(0, SC330.indexOf(',CS,') + 1);
    expect([...body].reduce((s, c) => s + c.charCodeAt(0), 0) % 256).toBe(0xd9);
    const ev = decode(SC330);
    expectValidEvents(driver, ev);
    expect(values(ev, WEIGHT)).toEqual([89.2]);
    expect(values(ev, HEIGHT)).toEqual([191.0]);
    expect(values(ev, FAT)).toEqual([18.8]);
    expect(values(ev, BMI)).toEqual([24.5]);
    const ids = new Set(obs(ev).map((e) => e.measurementId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^tanita-00000001-[0-9a-f]{8}$/);
    expect(statuses(ev)).toEqual(['ok']);
  });

  it('rejects the same line with one digit changed (checksum), visibly', () => {
    const ev = decode(SC330.replace('Wk,89.2', 'Wk,89.3'));
    expect(obs(ev)).toEqual([]);
    expect(statuses(ev)).toEqual(['error/checksum']);
  });

  it('gives the same id to a re-sent line and a new id to another measurement', () => {
    const d = driver.createDecoder();
    const a = obs(d.push(ascii(SC330), 0));
    const again = obs(d.push(ascii(SC330), 10));
    const other = obs(d.push(ascii(record('TI,"08:21",Wk,89.2')), 20));
    expect(again[0]?.measurementId).toBe(a[0]?.measurementId);
    expect(other[0]?.measurementId).not.toBe(a[0]?.measurementId);
  });
});

describe('tanita-serial: units, missing and invalid values', () => {
  it.each([
    ['Wp (lb)', 'Wp,196.6', 89.18],
    ['Ws (st-lb)', 'Ws,14-0.6', 89.18],
    ['Wk preferred over Wp', 'Wp,10.0,Wk,70.1', 70.1],
  ])('weight from %s', (_name, pairs, kg) => {
    expect(values(decode(record(pairs)), WEIGHT)).toEqual([kg]);
  });

  it('height from Hf (ft-in) to cm', () => {
    expect(values(decode(record('Hf,6-3.2,Wk,89.2')), HEIGHT)).toEqual([191.0]);
  });

  it.each([
    ['no CS at all', '{0,16,~0,1,~1,1,~2,1,MO,"SC-330",Wk,70.0,\r\n', 'error/malformed'],
    ['CS not hex', record('Wk,70.0').replace(/CS,..\r\n/, 'CS,ZZ\r\n'), 'error/malformed'],
    ['odd tag/value count (checksum valid)', record('Wk,70.0,FW'), 'error/malformed'],
    ['no weight', record('Hm,170.0,Wk,"----"'), 'error/no-weight'],
    ['zero weight', record('Hm,170.0,Wk,0.0,FW,20.0'), 'error/out-of-range'],
    ['weight above range', record('Wk,612.0'), 'error/out-of-range'],
  ])('%s: a status, no observation', (_name, text, status) => {
    const ev = decode(text);
    expect(obs(ev)).toEqual([]);
    expect(statuses(ev)).toEqual([status]);
  });

  it('weight-only mode (FW 0.0, no height) emits the weight alone, status ok', () => {
    const ev = decode(record('Hm,0.0,Wk,70.0,FW,0.0,MI,0.0'));
    expect(obs(ev).map((e) => e.code)).toEqual([WEIGHT]);
    expect(statuses(ev)).toEqual(['ok']);
  });

  it('MC-780 St non-zero keeps the weight, drops body fat, reports the status', () => {
    const ev = decode(record('Hm,170.0,Wk,70.0,St,3,FW,25.0,MI,24.2'));
    expect(obs(ev).map((e) => e.code).sort()).toEqual([BMI, HEIGHT, WEIGHT].sort());
    expect(statuses(ev)).toEqual(['error/measurement-status-3']);
  });

  it('an out-of-range secondary value is dropped with a status, the weight stays', () => {
    const ev = decode(record('Hm,170.0,Wk,70.0,FW,95.0'));
    expect(values(ev, WEIGHT)).toEqual([70]);
    expect(values(ev, FAT)).toEqual([]);
    expect(statuses(ev)).toEqual(['error/out-of-range']);
  });
});

describe('tanita-serial: simulator round trip', () => {
  it('normal: a measurement at 3 s then every 20 s, plus one on demand, any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 10 }), (cuts) => {
        const r = runSession(driver, {
          durationMs: 45_000,
          stepMs: 50,
          chunk: (b) => cutAt(b, cuts),
          changes: [{ atMs: 10_000, values: { weight: 95.5, height: 182, bodyFat: 30, completeMeasurement: true } }],
        });
        expectValidEvents(driver, r.events);
        expect(r.sent).toEqual([]);
        const weights = obs(r.events).filter((e) => e.code === WEIGHT);
        expect(weights.map((e) => e.t)).toEqual([3_000, 10_000, 23_000, 43_000]);
        expect(weights.slice(1).map((e) => e.value)).toEqual([95.5, 95.5, 95.5]);
        expect(weights[0]!.value).toBeGreaterThan(70);
        const manual = obs(r.events).filter((e) => e.t === 10_000);
        expect(manual.map((e) => [e.code, e.value])).toEqual([
          [WEIGHT, 95.5],
          [HEIGHT, 182],
          [BMI, 28.8],
          [FAT, 30],
        ]);
        // One id per measurement, shared by its observations.
        const ids = [...new Set(obs(r.events).map((e) => e.measurementId))];
        expect(ids).toHaveLength(4);
        for (const id of ids) expect(obs(r.events).filter((e) => e.measurementId === id)).toHaveLength(4);
        expect(statuses(r.events)).toEqual(['ok']);
      }),
      { numRuns: 15 },
    );
  });

  it('bad-checksum: corrupted lines are refused with a status, good ones arrive', () => {
    const r = runSession(driver, { scenario: 'bad-checksum', durationMs: 45_000, stepMs: 100 });
    expect(obs(r.events).filter((e) => e.code === WEIGHT).map((e) => e.t)).toEqual([23_000]);
    expect(statuses(r.events)).toEqual(['error/checksum', 'ok', 'error/checksum']);
  });

  it('noisy: line noise and the trailing signal after each line break nothing', () => {
    const r = runSession(driver, { scenario: 'noisy', durationMs: 65_000, stepMs: 100 });
    expectValidEvents(driver, r.events);
    expect(obs(r.events).filter((e) => e.code === WEIGHT).map((e) => e.t)).toEqual([3_000, 23_000, 43_000, 63_000]);
    expect(statuses(r.events)).toEqual(['ok']);
  });

  it('recognises the scale after two consecutive verified lines', () => {
    const d = driver.createDecoder();
    d.push(ascii(SC330), 0);
    expect(d.recognised).toBe(false);
    d.push(ascii(SC330.replace('Wk,89.2', 'Wk,89.3')), 0);
    d.push(ascii(SC330), 0);
    expect(d.recognised).toBe(false);
    d.push(ascii('\x00\xff\r\n'), 0); // noise between lines neither counts nor breaks the run
    d.push(ascii(SC330), 0);
    expect(d.recognised).toBe(true);
  });
});

describe('tanita-serial: contract checks', () => {
  it('survives fuzzing', () => {
    checkFuzz(driver);
  });

  it('decodes the same whatever the chunking', () => {
    const stream = concat(
      driver.scenarios.flatMap((s) => {
        const sim = driver.createSimulator(s);
        return [...sim.advance(10_000), ...sim.advance(25_000)];
      }),
    );
    checkChunking(driver, stream);
  });

  it('survives the WB-3000 trailing signal, with or without a line end', () => {
    const trailer = '\x00\x13\x11\xfe';
    const a = record('TI,"09:00",Wk,80.0');
    const b = record('TI,"09:01",Wk,81.0');
    for (const text of [a + trailer + b, a + trailer + '\r\n' + b, a + '{0,16' + b]) {
      const ev = decode(text);
      expect(values(ev, WEIGHT)).toEqual([80, 81]);
      expect(statuses(ev)).toEqual(['ok']);
    }
  });

  it('recovers from garbage (fake headers, CS fields, CR/LF, an overlong run) by the second valid line', () => {
    const junk = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 60 }),
        fc.constantFrom(ascii('{0,16,~0,1,'), ascii(',CS,'), ascii('Wk,12.0,'), ascii('\r\n'), ascii('x'.repeat(2100))),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(junk, fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 10 }), (garbage, cuts) => {
        const stream = concat([...garbage, ascii(record('TI,"10:00",Wk,66.6') + record('TI,"10:01",Wk,77.7'))]);
        const ev = decodeChunks(driver, cutAt(stream, cuts));
        expectValidEvents(driver, ev);
        const w = values(ev, WEIGHT);
        expect(w.at(-1)).toBe(77.7);
        expect(w.every((v) => v === 66.6 || v === 77.7)).toBe(true);
        expect(statuses(ev).at(-1)).toBe('ok');
      }),
      { numRuns: 200 },
    );
  });
});
