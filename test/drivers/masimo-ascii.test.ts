import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { driver } from '../../drivers/masimo-ascii/index.ts';
import {
  checkChunking,
  checkFuzz,
  concat,
  cutAt,
  decodeChunks,
  expectValidEvents,
  runSession,
} from '../helpers/driver-harness.ts';

const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
const PULSE = 'MDC_PULS_OXIM_PULS_RATE';
const PI = 'MDC_PULS_OXIM_PERF_REL';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const decode = (text: string): DeviceEvent[] => decodeChunks(driver, [ascii(text)]);
const values = (events: readonly DeviceEvent[], code: string): number[] =>
  events.flatMap((e) => (e.kind === 'observation' && e.code === code ? [e.value!] : []));
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [e.detail === undefined ? e.status : `${e.status}/${e.detail}`] : []));
const observations = (events: readonly DeviceEvent[]): DeviceEvent[] => events.filter((e) => e.kind === 'observation');

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

/** A Rad-8 line with the given fields (the reference's layout). */
const line = (spo2: string, bpm: string, pi: string, alarm = '0000', exc = '000800', time = '22:47:45'): string =>
  `02/22/16 ${time} SN=0000056661 SPO2=${spo2} BPM=${bpm} PI=${pi} SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=${alarm} EXC=${exc}\r\n`;

describe('masimo-ascii: worked examples of protocols.md §3', () => {
  it('decodes the Rad-8 line', () => {
    const ev = decode(
      '02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800\r\n',
    );
    expect(values(ev, SPO2)).toEqual([98]);
    expect(values(ev, PULSE)).toEqual([97]);
    expect(values(ev, PI)).toEqual([3.6]);
    expect(statuses(ev)).toEqual(['ok']);
    expectValidEvents(driver, ev);
  });

  it('decodes the Radical-7 rainbow line: EXC 000820 is sensor off, so no numbers are trusted', () => {
    // The reference elides the start of the line ("…"): it is the Rad-8 layout.
    const tail = 'SPCO=01.0% SPMET=00.5% DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000';
    const ev = decode(`02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% ${tail} EXC=000820\r\n`);
    expect(observations(ev)).toEqual([]);
    expect(statuses(ev)).toEqual(['probe-off/finger-out']);
    // The same rainbow fields with the sensor on: numbers are read, SpCO/SpMet/PVI are skipped.
    const on = decode(`02/22/16 22:47:46 SN=0000056661 SPO2=098% BPM=097 PI=03.60% ${tail} EXC=000800\r\n`);
    expect([values(on, SPO2), values(on, PULSE), values(on, PI)]).toEqual([[98], [97], [3.6]]);
  });

  it('decodes the Radical-5 line (no SN, 2-digit ALARM, 3-digit EXC)', () => {
    const ev = decode('09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n');
    expect(values(ev, SPO2)).toEqual([97]);
    expect(values(ev, PULSE)).toEqual([64]);
    expect(values(ev, PI)).toEqual([11.82]);
    // ALARM 0x20 = alarm silenced: not a signal problem, but the doctor is told.
    expect(statuses(ev)).toEqual(['ok/alarm-silenced']);
  });

  it('decodes the Radical-7 colour line: PI without %, more tags, 6-digit ALARM, 7-digit EXC, EXC1', () => {
    // A real Radical-7 line (nmenon/masimo-datacapture): SpO2 98, BPM 123, PI 0.55 by its authors' parse.
    const ev = decode(
      '03/17/16 19:19:36 SN=---------- SPO2=098% BPM=123 PI=00.55 SPCO=--% SPMET=--.-% SPHB=--.- SPOC=-- RESVD=--- ' +
        'DESAT=-- PIDELTA=+-- PVI=--- ALARM=000000 EXC=0000C00 EXC1=00000000\r\n',
    );
    expect([values(ev, SPO2), values(ev, PULSE), values(ev, PI)]).toEqual([[98], [123], [0.55]]);
    // EXC 0xC00 = low signal IQ + Masimo SET: the numbers stay, flagged.
    expect(statuses(ev)).toEqual(['artifact/low-signal-iq']);
    expectValidEvents(driver, ev);
  });

  it('takes units as optional: SPO2 without %, PI with or without %', () => {
    const ev = decode('03/17/16 19:19:37 SPO2=097 BPM=080 PI=01.20 ALARM=0000 EXC=000800\r\n');
    expect([values(ev, SPO2), values(ev, PULSE), values(ev, PI)]).toEqual([[97], [80], [1.2]]);
    expect(statuses(ev)).toEqual(['ok']);
  });

  it('accepts the manual trend exception codes (EXC=820, 828, C00)', () => {
    expect(statuses(decode(line('---%', '---', '--.--%', '0000', '820')))).toEqual(['probe-off/finger-out']);
    expect(statuses(decode(line('---%', '---', '--.--%', '0000', '828')))).toEqual(['probe-off/finger-out']);
    const lowIq = decode(line('095%', '080', '01.20%', '0000', 'C00'));
    expect(statuses(lowIq)).toEqual(['artifact/low-signal-iq']);
    expect(values(lowIq, SPO2)).toEqual([95]);
  });
});

describe('masimo-ascii: invalid or missing values become statuses', () => {
  it.each([
    ['dashes, sensor off', line('---%', '---', '--.--%', '0010', '000820'), 'probe-off/finger-out'],
    ['no sensor', line('---%', '---', '--.--%', '0000', '000801'), 'probe-off/no-sensor'],
    ['no cable', line('---%', '---', '--.--%', '0000', '001800'), 'probe-off/no-cable'],
    ['defective sensor with numbers', line('097%', '070', '03.00%', '0000', '000802'), 'sensor-fault/defective-sensor'],
    ['sensor life expired', line('097%', '070', '03.00%', '0000', '040800'), 'sensor-fault/sensor-expired'],
    ['pulse search with numbers', line('097%', '070', '03.00%', '0000', '000808'), 'searching/pulse-search'],
    ['dashes without exception', line('---%', '---', '--.--%'), 'searching/no-value'],
    ['zeros (trend style)', line('000%', '000', '00.00%'), 'searching/no-value'],
    ['pulse rate out of range', line('097%', '400', '03.00%'), 'error/out-of-range'],
  ])('%s', (_name, text, status) => {
    const ev = decode(text);
    expect(statuses(ev)).toEqual([status]);
    if (!status.startsWith('error')) expect(observations(ev)).toEqual([]);
    else expect(values(ev, PULSE)).toEqual([]);
    expectValidEvents(driver, ev);
  });

  it.each([
    ['interference', '000810', 'artifact/interference'],
    ['ambient light', '000840', 'artifact/ambient-light'],
    ['low perfusion', '000804', 'low-perfusion/low-perfusion'],
  ])('%s keeps the numbers, flagged', (_name, exc, status) => {
    const ev = decode(line('096%', '071', '00.30%', '0000', exc));
    expect(statuses(ev)).toEqual([status]);
    expect([values(ev, SPO2), values(ev, PULSE), values(ev, PI)]).toEqual([[96], [71], [0.3]]);
  });

  it('reports low battery from ALARM 0x40, below signal problems', () => {
    expect(statuses(decode(line('096%', '071', '02.00%', '0040')))).toEqual(['low-battery/low-battery']);
    expect(statuses(decode(line('096%', '071', '02.00%', '0040', '000804')))).toEqual(['low-perfusion/low-perfusion']);
    // The low-battery alarm sounding (0x50): the battery is the reason, not a bare "alarm active".
    expect(statuses(decode(line('096%', '071', '02.00%', '0050')))).toEqual(['low-battery/low-battery']);
  });

  it.each([
    ['0001', 'ok/alarm-spo2-high'],
    ['0002', 'ok/alarm-spo2-low'],
    ['0004', 'ok/alarm-pulse-high'],
    ['0008', 'ok/alarm-pulse-low'],
    ['0010', 'ok/alarm-active'],
    ['0020', 'ok/alarm-silenced'],
    ['0100', 'ok/alarm-spco-high'],
    ['0200', 'ok/alarm-spco-low'],
    ['0400', 'ok/alarm-spmet-high'],
    ['0800', 'ok/alarm-spmet-low'],
    ['1000', 'ok/alarm-desaturation'],
    ['2000', 'ok/alarm-pi-delta'],
    ['0080', 'ok'], // reserved
    ['0012', 'ok/alarm-spo2-low'], // SpO2 low, sounding
    ['0031', 'ok/alarm-spo2-high'], // a limit alarm silenced: the limit is the news
  ])('ALARM=%s: the monitor alarm reaches the doctor as %s, the numbers stay', (alarm, status) => {
    const ev = decode(line('088%', '071', '02.00%', alarm));
    expect(statuses(ev)).toEqual([status]);
    expect([values(ev, SPO2), values(ev, PULSE)]).toEqual([[88], [71]]);
  });

  it('decodes the RAD8 line with ALARM=0038 (pulse rate below its limit, sounding, silenced)', () => {
    // A real RAD8 line (k-cross/pulse_ox): SpO2 98, BPM 57, PI 7.02 by its authors' parse; 0x38 = bits 3, 4, 5.
    const ev = decode(
      '03/06/05 21:11:30 SN=0000066575 SPO2=098% BPM=057 PI=07.02% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0038 EXC=000800\r\n',
    );
    expect([values(ev, SPO2), values(ev, PULSE), values(ev, PI)]).toEqual([[98], [57], [7.02]]);
    expect(statuses(ev)).toEqual(['ok/alarm-pulse-low']);
    // EXC still wins over ALARM: a finger-out line with its alarm sounding is a finger-out.
    expect(statuses(decode(line('---%', '---', '--.--%', '0038', '000820')))).toEqual(['probe-off/finger-out']);
  });

  it('a missing PI alone keeps SpO2 and pulse rate', () => {
    const ev = decode(line('096%', '071', '--.--%'));
    expect([values(ev, SPO2), values(ev, PULSE), values(ev, PI)]).toEqual([[96], [71], []]);
    expect(statuses(ev)).toEqual(['ok']);
  });

  it('emits the same value at once after a finger-out, and the status once per change', () => {
    const d = driver.createDecoder();
    const ev = [
      ...d.push(ascii(line('097%', '070', '03.00%', '0000', '000800', '10:00:00')), 0),
      ...d.push(ascii(line('---%', '---', '--.--%', '0000', '000820', '10:00:01')), 100),
      ...d.push(ascii(line('---%', '---', '--.--%', '0000', '000820', '10:00:02')), 200),
      ...d.push(ascii(line('097%', '070', '03.00%', '0000', '000800', '10:00:03')), 300),
    ];
    expect(values(ev, SPO2)).toEqual([97, 97]);
    expect(statuses(ev)).toEqual(['ok', 'probe-off/finger-out', 'ok']);
  });

  it('drops malformed lines whole (no checksum: the format is the only guard), and says so', () => {
    for (const bad of [
      line('0x8%', '070', '03.00%'),
      line('098', '07a', '03.00%'),
      line('098%', '070', '03,60%'),
      line('098%', '070', '03.00%', '00G0'),
      '02/22/16 22:47:45 SN=0000056661 BPM=070 EXC=000800\r\n', // no SPO2
      '02/22/16 22:47:45 SPO2=098% SPO2=097% BPM=070\r\n', // duplicate tag
      '02/22/16 22:47:45 SPO2=098% junk BPM=070\r\n',
    ]) {
      // The monitor's date and time open it: the device is there, its line unusable. Never silence.
      expect(statuses(decode(bad)), bad).toEqual(['error/malformed']);
      expect(observations(decode(bad)), bad).toEqual([]);
    }
    for (const noise of [
      'X2/22/16 22:47:45 SPO2=098% BPM=070\r\n',
      `02/22/16 22:47:45 SPO2=098% BPM=070 ${'X=1 '.repeat(130)}\r\n`, // longer than 512 bytes
    ]) {
      expect(decode(noise), noise).toEqual([]);
    }
  });

  it('tells the assistant to set ASCII 1 when the monitor sends its other format (ASCII 2, the Rad-8 default)', () => {
    // The manual's ASCII 2 / trend layout: mixed-case tags, PR for the pulse rate, EXC with its words.
    const ascii2 = [
      '09/21/08 09:56:12 SpO2=097 PR=069 PI=04.69 EXC=800:SET\r\n',
      '09/21/08 09:56:14 SpO2=096 PR=074 PI=02.28 EXC=C00:LowSigIQ,SET\r\n',
      '12/01/11 00:12:45 SpO2=096 PR=068 PI=03.52 SpCO=00.00 Met=00.00 SpHb=13.8 PVI=000 EXC=00000000\r\n',
    ];
    const d = driver.createDecoder();
    const ev = ascii2.flatMap((l, i) => d.push(ascii(l), i * 1000));
    expect(statuses(ev)).toEqual(['error/set-ascii-1']);
    expect(observations(ev)).toEqual([]);
    // It is a Masimo all the same: the port is claimed, so the assistant sees the advice.
    expect(d.recognised).toBe(true);
    // Switched to ASCII 1 on the monitor: numbers at once.
    const after = d.push(ascii(line('097%', '070', '03.00%')), 3000);
    expect(statuses(after)).toEqual(['ok']);
    expect(values(after, SPO2)).toEqual([97]);
  });
});

describe('masimo-ascii: simulator round trip', () => {
  it('normal: one line per second, values as set, any chunking, nothing sent', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 8 }), (cuts) => {
        const r = runSession(driver, {
          durationMs: 12_000,
          stepMs: 50,
          chunk: (b) => cutAt(b, cuts),
          changes: [{ atMs: 6_000, values: { spo2: 91, pulse: 112, perfusionIndex: 1.25 } }],
        });
        expectValidEvents(driver, r.events);
        expect(r.sent).toEqual([]);
        const spo2 = r.events.filter((e) => e.kind === 'observation' && e.code === SPO2);
        // One line per second from power-on, each due once a second (REPEAT_MS) or on change.
        expect(spo2.map((e) => e.t)).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 1000));
        // The change applies before the 6 s line is built.
        const late = r.events.filter((e) => e.t !== undefined && e.t >= 6_000);
        expect(new Set(values(late, SPO2))).toEqual(new Set([91]));
        expect(new Set(values(late, PULSE))).toEqual(new Set([112]));
        expect(new Set(values(late, PI))).toEqual(new Set([1.25]));
        const early = values(r.events.filter((e) => e.t !== undefined && e.t < 6_000), SPO2);
        for (const v of early) expect(v).toBeGreaterThanOrEqual(96);
        expect(statuses(r.events)).toEqual(['ok']);
      }),
      { numRuns: 20 },
    );
  });

  it('finger-out: probe-off with dashes, then pulse search, then numbers when the finger goes back', () => {
    const r = runSession(driver, {
      scenario: 'finger-out',
      durationMs: 10_000,
      changes: [{ atMs: 4_500, values: { probeOff: false, spo2: 95, pulse: 66 } }],
    });
    expect(statuses(r.events)).toEqual(['probe-off/finger-out', 'searching/pulse-search', 'ok']);
    const first = r.events.find((e) => e.kind === 'observation');
    // Lines at 5, 6, 7 s are pulse search; numbers from the 8 s line.
    expect(first?.t).toBe(8_000);
    expect(new Set(values(r.events, SPO2))).toEqual(new Set([95]));
    expect(new Set(values(r.events, PULSE))).toEqual(new Set([66]));
  });

  it('desaturation: SpO2 drifts from ~97 down to 85 and stays', () => {
    const r = runSession(driver, { scenario: 'desaturation', durationMs: 70_000, stepMs: 100 });
    const spo2 = values(r.events, SPO2);
    expect(spo2[0]).toBeGreaterThanOrEqual(96);
    expect(spo2.at(-1)).toBe(85);
    for (let i = 1; i < spo2.length; i++) expect(spo2[i]!).toBeLessThanOrEqual(spo2[i - 1]!);
    // Below 90 % the simulated monitor raises its SpO2-low alarm (ALARM 0x12).
    expect(statuses(r.events)).toEqual(['ok', 'ok/alarm-spo2-low']);
  });

  it('noisy: garbage between lines costs at most the line it touches', () => {
    const r = runSession(driver, { scenario: 'noisy', durationMs: 30_000, stepMs: 100 });
    expectValidEvents(driver, r.events);
    const spo2 = r.events.filter((e) => e.kind === 'observation' && e.code === SPO2);
    // Garbage precedes every third line: at least the other two thirds arrive.
    expect(spo2.length).toBeGreaterThanOrEqual(20);
    for (const v of values(r.events, SPO2)) expect(v).toBeGreaterThanOrEqual(96);
    expect(statuses(r.events)).toEqual(['ok']);
  });

  it('recognises the device after two consecutive valid lines', () => {
    const d = driver.createDecoder();
    d.push(ascii('PO2=097% BPM=070\r\n'), 0); // partial line at power-up of the link
    d.push(ascii(line('097%', '070', '03.00%')), 0);
    expect(d.recognised).toBe(false);
    d.push(ascii('garbage\r\n'), 0);
    d.push(ascii(line('097%', '070', '03.00%')), 0);
    expect(d.recognised).toBe(false);
    d.push(ascii(line('097%', '070', '03.00%')), 0);
    expect(d.recognised).toBe(true);
  });
});

describe('masimo-ascii: contract checks', () => {
  it('survives fuzzing', () => {
    checkFuzz(driver);
  });

  it('decodes the same whatever the chunking', () => {
    const streams = ['normal', 'finger-out', 'noisy'].map((s) => {
      const sim = driver.createSimulator(s);
      if (s === 'finger-out') sim.advance(3_000);
      const a = sim.advance(4_000);
      sim.set({ probeOff: false, spo2: 93 });
      return concat([...a, ...sim.advance(9_000)]);
    });
    checkChunking(driver, concat(streams));
  });

  it('recovers from garbage (with fake tags, CR/LF and an overlong run) by the second valid line', () => {
    const junk = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom(ascii('SPO2=050% BPM=200'), ascii('02/22/16 '), ascii('\r\n'), ascii('\r'), ascii('A'.repeat(700))),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(junk, fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 10 }), (garbage, cuts) => {
        const good = [line('094%', '081', '02.00%', '0000', '000800', '10:00:00'), line('093%', '082', '02.10%', '0000', '000800', '10:00:01'), line('092%', '083', '02.20%', '0000', '000800', '10:00:02')];
        // The garbage comes first, then one line a second, as the device sends them (timestamps above).
        const ev = decodeTimed([{ t: 0, bytes: concat(garbage) }, ...good.map((l, i) => ({ t: 1000 * (i + 1), bytes: ascii(l) }))], cuts);
        expectValidEvents(driver, ev);
        const spo2 = values(ev, SPO2);
        expect(spo2.slice(-2)).toEqual([93, 92]);
        expect(spo2.every((v) => v >= 92 && v <= 94)).toBe(true);
        expect(values(ev, PULSE).slice(-2)).toEqual([82, 83]);
      }),
      { numRuns: 200 },
    );
  });
});
