import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, ObservationEvent } from '../../src/shared/device-event.ts';
import type { Decoder, Driver, Frame } from '../../src/shared/driver.ts';
import { driver } from '../../drivers/omron-hem790it/index.ts';
import { parseCount, parseRecord, recordId, xor } from '../../drivers/omron-hem790it/protocol.ts';
import { checkFuzz, expectValidEvents, hex, runSession } from '../helpers/driver-harness.ts';

const SYS = 'MDC_PRESS_BLD_NONINV_SYS';
const DIA = 'MDC_PRESS_BLD_NONINV_DIA';
const PULSE = 'MDC_PULS_RATE_NON_INV';

/* Test-side encoders, written from protocols.md §4.1 independently of the driver. */
const letters = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const xorOf = (b: readonly number[]): number => b.reduce((x, v) => x ^ v, 0);
/** Bytes → 8-byte reports: count, ≤ 7 bytes, zero padding. */
function reports(bytes: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < bytes.length; i += 7) {
    const c = bytes.slice(i, i + 7);
    out.push([c.length, ...c, ...new Array<number>(7 - c.length).fill(0)]);
  }
  return out;
}
const cmd = (name: string, args: number[]): Frame[] =>
  reports([...letters(name), ...args, xorOf(args)]).map((bytes) => ({ kind: 'data', bytes }));
const GDC = cmd('GDC', [0, 0, 0, 0]);
const gme = (idx: number): Frame[] => cmd('GME', [0, 0, 0, idx]);
const CLEAR: Frame[] = reports(new Array<number>(23).fill(0)).map((bytes) => ({ kind: 'data', bytes }));
const MODE: Frame = { kind: 'feature', bytes: [0x74, 0xbc] };
/** An "OK" reply: OK 00 data xor(data), as input reports. */
const okReply = (data: number[]): Uint8Array[] => reports([...letters('OK'), 0, ...data, xorOf(data)]).map((r) => Uint8Array.from(r));
const NO = Uint8Array.from(reports(letters('NO'))[0]!);
const CLEAR_OK = Uint8Array.from(reports(letters('OK'))[0]!);
const countReply = (n: number): Uint8Array[] => okReply([0x00, 0x0a, 0x00, n]);
/** A GME record without its checksum (the reply adds it): date, time, unit, SYS (2 bytes), DIA, pulse, status word. */
const rec = (sec: number, sys: number, dia: number, pulse: number, status = 0): number[] =>
  [25, 6, 2, 9, 30, sec, 0, sys >> 8, sys & 0xff, dia, pulse, status >> 8, status & 0xff];
/** A whole 14-byte GME record, checksum included. */
function record(o: { date?: readonly number[]; sys?: number; dia?: number; pulse?: number; status?: number }): number[] {
  const [y, mo, d, h, mi, se] = o.date ?? [25, 6, 2, 9, 30, 0];
  const sys = o.sys ?? 120;
  const status = o.status ?? 0;
  const data = [y!, mo!, d!, h!, mi!, se!, 0, sys >> 8, sys & 0xff, o.dia ?? 80, o.pulse ?? 70, status >> 8, status & 0xff];
  return [...data, xorOf(data)];
}

const obs = (ev: readonly DeviceEvent[]): ObservationEvent[] => ev.filter((e): e is ObservationEvent => e.kind === 'observation');
const statuses = (ev: readonly DeviceEvent[]): string[] =>
  ev.flatMap((e) => (e.kind === 'status' ? [e.detail ? `${e.status}/${e.detail}` : e.status] : []));
/** [sys, dia, pulse] per measurementId, in order of appearance. */
function triples(ev: readonly DeviceEvent[]): { id: string; values: number[]; t: number | undefined }[] {
  const out: { id: string; values: number[]; t: number | undefined }[] = [];
  for (const e of obs(ev)) {
    const id = e.measurementId ?? '';
    let m = out.find((x) => x.id === id);
    if (!m) out.push((m = { id, values: [0, 0, 0], t: e.t }));
    m.values[[SYS, DIA, PULSE].indexOf(e.code)] = e.value!;
  }
  return out;
}

/** A decoder driven by hand: `send` tells it about frames, `reply` feeds input reports. */
function manual(): { d: Decoder; send(frames: readonly Frame[], now?: number): void; reply(rs: Uint8Array[], now?: number): DeviceEvent[] } {
  const d = driver.createDecoder();
  return {
    d,
    send(frames, now = 0) {
      for (const f of frames) d.sent?.(f, now);
    },
    reply(rs, now = 0) {
      return rs.flatMap((r) => d.push(r, now));
    },
  };
}
/** Decoder after the open sequence, with a baseline count (and, if non-zero, the newest reading known). */
function opened(count: number, newest: number[] = rec(0, 120, 80, 70)): ReturnType<typeof manual> {
  const m = manual();
  m.send(driver.link.open);
  m.reply([CLEAR_OK, ...okReply(letters('M7080IT 207'))]);
  m.send(GDC);
  m.reply(countReply(count));
  if (count > 0) {
    expect(m.d.takeOutgoing?.()).toEqual(gme(0));
    m.send(gme(0));
    m.reply(okReply(newest));
  }
  return m;
}

describe('omron-hem790it: worked examples (protocols.md §4.1)', () => {
  it('GME record 07 01 03 00 06 33 00 00 70 4B 47 00 00 4C → 2007-01-03 00:06:51, 112/75, 71 bpm', () => {
    const bytes = hex('07 01 03 00 06 33 00 00 70 4B 47 00 00 4C');
    expect(xor(bytes, 0, 13)).toBe(0x4c); // the documented checksum holds
    const r = parseRecord(bytes);
    expect(r).toEqual({
      year: 2007, month: 1, day: 3, hour: 0, minute: 6, second: 51, systolic: 112, diastolic: 75, pulse: 71,
      truRead: 0, irregular: false, movement: false,
    });
    expect(recordId(r!)).toBe('omron-2007-01-03T00:06:51-112-75-71');
    bytes[13] = 0x4d;
    expect(parseRecord(bytes)).toBeUndefined();
  });

  it('the two real readings of the libomron HEM-790IT log decode to 123/78/87 and 120/73/67, no flags', () => {
    // Facts of the log and of the Omron software's CSV export of the same session: date, SYS/DIA/pulse,
    // "Irregular Heartbeat" n, "Excessive Movement" n. The record is built from them with the test encoder.
    for (const [day, min, sys, dia, pulse] of [[1, 6, 123, 78, 87], [2, 8, 120, 73, 67]] as const) {
      const data = record({ date: [7, 1, day, 0, min, 38], sys, dia, pulse });
      expect(data.slice(7, 9)).toEqual([0x00, sys]); // SYS < 256: the high byte is 0
      const r = parseRecord(data);
      expect(r).toMatchObject({ year: 2007, month: 1, day, hour: 0, minute: min, second: 38, systolic: sys, diastolic: dia, pulse });
      expect(r).toMatchObject({ irregular: false, movement: false, truRead: 0 });
    }
  });

  it('SYS is big-endian over bytes 7–8: 01 04 → 260 mmHg (the meter measures up to 300)', () => {
    expect(parseRecord(record({ sys: 260 }))?.systolic).toBe(260);
    expect(record({ sys: 260 }).slice(7, 9)).toEqual([0x01, 0x04]);
    expect(parseRecord(record({ sys: 299 }))?.systolic).toBe(299);
  });

  it('bytes 11–12 are a big-endian status word: 0x0001 irregular heartbeat, 0x0002 movement, 0x0030 TruRead', () => {
    expect(parseRecord(record({ status: 0x0001 }))).toMatchObject({ irregular: true, movement: false, truRead: 0 });
    expect(parseRecord(record({ status: 0x0002 }))).toMatchObject({ irregular: false, movement: true, truRead: 0 });
    expect(parseRecord(record({ status: 0x0023 }))).toMatchObject({ irregular: true, movement: true, truRead: 2 });
    // Bits of the high byte are not these flags.
    expect(parseRecord(record({ status: 0x0300 }))).toMatchObject({ irregular: false, movement: false, truRead: 0 });
  });

  it('GDC data 00 0A 00 08 02 → count 8 at data index 3 (= libomron index 6 after "OK" 00); XOR holds', () => {
    const data = hex('00 0A 00 08 02');
    expect(parseCount(data)).toBe(8);
    expect(xor(data, 0, 4)).toBe(0x02);
  });

  it('link frames are the documented bytes', () => {
    const { open, poll, close, commands } = driver.link;
    expect(open[0]).toEqual({ kind: 'feature', bytes: [0x74, 0xbc] });
    expect(open.slice(1, 5).map((f) => f.bytes)).toEqual([
      [7, 0, 0, 0, 0, 0, 0, 0],
      [7, 0, 0, 0, 0, 0, 0, 0],
      [7, 0, 0, 0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(open[5]!.bytes).toEqual([...hex('05 56 45 52 30 30 00 00')]); // "VER00", the notes' raw report
    expect(poll?.everyMs).toBe(2000);
    expect(poll?.frames.map((f) => f.bytes)).toEqual([[...hex('07 47 44 43 00 00 00 00')], [...hex('01 00 00 00 00 00 00 00')]]);
    expect(close.map((f) => f.bytes)).toEqual([[...hex('05 45 4E 44 FF FF 00 00')]]);
    expect(commands.measure).toEqual(expect.objectContaining({ frames: [], status: { status: 'measuring', detail: 'press-start' } }));
    expect([...open, ...(poll?.frames ?? []), ...close].every((f) => f.kind === 'feature' || f.bytes.length === 8)).toBe(true);
  });

  it('decodes the notes\' raw VER, GDC and GME replies; the GME example is emitted as a new reading', () => {
    const m = manual();
    m.send(driver.link.open);
    expect(m.reply([CLEAR_OK])).toEqual([]);
    expect(m.d.recognised).toBe(false); // a bare "OK" carries no checksum
    m.reply(['07 4f 4b 00 4d 37 30 38', '07 30 49 54 20 32 30 37', '01 4a 00 00 00 00 00 00'].map(hex));
    expect(m.d.recognised).toBe(true);
    m.send(GDC, 1000);
    expect(statuses(m.reply(countReply(7), 1000))).toEqual(['ok']); // baseline: 7 stored readings
    m.send(m.d.takeOutgoing?.() ?? [], 1000);
    m.reply(okReply(rec(1, 130, 85, 75)), 1000);
    m.send(GDC, 3000);
    expect(m.reply(['07 4f 4b 00 00 0a 00 08', '01 02 00 00 00 00 00 00'].map(hex), 3000)).toEqual([]);
    expect(m.d.takeOutgoing?.()).toEqual(gme(0)); // count 7 → 8: read the newest
    m.send(gme(0), 3000);
    const ev = m.reply(['07 4f 4b 00 07 01 03 00', '07 06 33 00 00 70 4b 47', '03 00 00 4c 00 00 00 00'].map(hex), 3010);
    expect(triples(ev)).toEqual([{ id: 'omron-2007-01-03T00:06:51-112-75-71', values: [112, 75, 71], t: 3010 }]);
    expect(statuses(ev)).toEqual(['ok/new-reading']);
    expectValidEvents(driver, ev);
  });
});

describe('omron-hem790it: decoder protocol', () => {
  it('the first count is the baseline: stored readings are never emitted', () => {
    const m = opened(2, rec(5, 150, 95, 88));
    m.send(GDC, 2000);
    const ev = m.reply(countReply(2), 2000);
    expect(m.d.takeOutgoing?.()).toEqual(gme(0)); // the newest is checked every poll (full memory)
    m.send(gme(0), 2000);
    ev.push(...m.reply(okReply(rec(5, 150, 95, 88)), 2000));
    expect(obs(ev)).toEqual([]);
  });

  it('count +3 reads idx 2, 1, 0 (oldest first), one triple each', () => {
    const m = opened(4);
    m.send(GDC, 2000);
    m.reply(countReply(7), 2000);
    const ev: DeviceEvent[] = [];
    for (const idx of [2, 1, 0]) {
      expect(m.d.takeOutgoing?.()).toEqual(gme(idx));
      m.send(gme(idx), 2000);
      ev.push(...m.reply(okReply(rec(40 - idx, 110 + idx, 70 + idx, 60 + idx)), 2000));
    }
    expect(m.d.takeOutgoing?.()).toEqual([]);
    expect(triples(ev).map((x) => x.values)).toEqual([[112, 72, 62], [111, 71, 61], [110, 70, 60]]);
  });

  it('a reading above 255 mmHg is emitted whole, not as its low byte', () => {
    const m = opened(1);
    m.send(GDC, 2000);
    m.reply(countReply(2), 2000);
    m.send(m.d.takeOutgoing?.() ?? [], 2000);
    const ev = m.reply(okReply(rec(12, 262, 120, 101)), 2000);
    expect(triples(ev).map((x) => x.values)).toEqual([[262, 120, 101]]);
    expect(statuses(ev)).toEqual(['ok/new-reading']);
  });

  it.each([
    [0x0001, 'ok/irregular-heartbeat', ['irregular-pulse']],
    [0x0002, 'artifact/body-movement', ['movement']],
    [0x0003, 'ok/irregular-heartbeat', ['irregular-pulse', 'movement']],
    [0x0010, 'ok/new-reading', undefined], // 1st of a TruRead triple: no flag
  ] as const)('status word %s: the reading carries its flags and the detail says so', (status, detail, flags) => {
    const m = opened(1);
    m.send(GDC, 2000);
    m.reply(countReply(2), 2000);
    m.send(m.d.takeOutgoing?.() ?? [], 2000);
    const ev = m.reply(okReply(rec(12, 131, 84, 77, status)), 2000);
    expect(triples(ev).map((x) => x.values)).toEqual([[131, 84, 77]]);
    expect(statuses(ev)).toEqual([detail]);
    for (const o of obs(ev)) expect(o.flags).toEqual(flags);
    expectValidEvents(driver, ev);
    // The next poll ends the detail; the next reading's observations carry no stale flag.
    m.send(GDC, 4000);
    expect(statuses(m.reply(countReply(3), 4000))).toEqual(['ok']);
    m.send(m.d.takeOutgoing?.() ?? [], 4000);
    const next = m.reply(okReply(rec(40, 121, 79, 70)), 4000);
    for (const o of obs(next)) expect(o.flags).toBeUndefined();
  });

  it('a new newest reading with an unchanged count (memory full) is emitted once', () => {
    const m = opened(84, rec(1, 120, 80, 70));
    const poll = (r: number[], now: number): DeviceEvent[] => {
      m.send(GDC, now);
      const ev = m.reply(countReply(84), now);
      m.send(m.d.takeOutgoing?.() ?? [], now);
      ev.push(...m.reply(okReply(r), now));
      const next = m.d.takeOutgoing?.() ?? [];
      if (next.length > 0) {
        expect(next).toEqual(gme(1)); // a new one found: look one further back
        m.send(next, now);
        ev.push(...m.reply(okReply(rec(1, 120, 80, 70)), now));
      }
      return ev;
    };
    expect(obs(poll(rec(1, 120, 80, 70), 2000))).toEqual([]);
    expect(triples(poll(rec(9, 141, 91, 81), 4000)).map((x) => x.values)).toEqual([[141, 91, 81]]);
    expect(obs(poll(rec(9, 141, 91, 81), 6000))).toEqual([]);
  });

  it('a count that drops (memory cleared) is a new baseline', () => {
    const m = opened(5);
    m.send(GDC, 2000);
    expect(m.reply(countReply(1), 2000)).toEqual([]);
    m.send(m.d.takeOutgoing?.() ?? [], 2000);
    expect(obs(m.reply(okReply(rec(3, 99, 66, 55)), 2000))).toEqual([]); // history of the new baseline
    m.send(GDC, 4000);
    m.reply(countReply(2), 4000);
    m.send(m.d.takeOutgoing?.() ?? [], 4000);
    expect(triples(m.reply(okReply(rec(4, 101, 67, 56)), 4000)).map((x) => x.values)).toEqual([[101, 67, 56]]);
  });

  it.each([
    ['systolic 0 (meter error record)', rec(7, 0, 0, 0)],
    ['pulse 0', rec(7, 120, 80, 0)],
    ['diastolic 255 (above 250)', rec(7, 120, 255, 70)],
    ['diastolic below 10', rec(7, 120, 5, 70)],
  ])('%s: a status, never an observation', (_name, r) => {
    const m = opened(3);
    m.send(GDC, 2000);
    m.reply(countReply(4), 2000);
    m.send(m.d.takeOutgoing?.() ?? [], 2000);
    const ev = m.reply(okReply(r), 2000);
    expect(obs(ev)).toEqual([]);
    expect(statuses(ev)).toEqual(['error/invalid-reading']);
  });

  it('NO → the same command again, up to 3 times, then status error/command-refused', () => {
    const m = opened(3);
    m.send(GDC, 2000);
    m.reply(countReply(4), 2000);
    for (let i = 0; i < 3; i++) {
      const again = m.d.takeOutgoing?.();
      expect(again).toEqual(gme(0));
      m.send(again ?? [], 2000);
      expect(m.reply([NO], 2000)).toEqual([]);
    }
    m.send(m.d.takeOutgoing?.() ?? [], 2000);
    expect(statuses(m.reply([NO], 2000))).toEqual(['error/command-refused']);
    expect(m.d.takeOutgoing?.()).toEqual([]);
    // The reading is not lost: the next poll sees the count rise again.
    m.send(GDC, 4000);
    m.reply(countReply(4), 4000);
    m.send(m.d.takeOutgoing?.() ?? [], 4000);
    expect(triples(m.reply(okReply(rec(8, 125, 82, 71)), 4000)).map((x) => x.values)).toEqual([[125, 82, 71]]);
  });

  it('garbled or bad-checksum reply → mode, clearing block, the command again', () => {
    for (const bad of [
      [hex('03 41 42 43 00 00 00 00')], // neither OK nor NO
      [hex('01 4f 00 00 00 00 00 00'), hex('01 4e 00 00 00 00 00 00')], // "O" then "N": split, still garbled
      [hex('07 4f 4b 00 00 0a 00 04'), hex('01 03 00 00 00 00 00 00')], // checksum wrong
      [hex('07 4f 4b 05 00 0a 00 04'), hex('01 0e 00 00 00 00 00 00')], // third byte not 00
    ]) {
      const m = opened(3);
      m.send(GDC, 2000);
      expect(obs(m.reply(bad, 2000))).toEqual([]);
      expect(m.d.takeOutgoing?.()).toEqual([MODE, ...CLEAR]);
      m.send([MODE, ...CLEAR], 2000);
      m.reply([CLEAR_OK], 2000);
      expect(m.d.takeOutgoing?.()).toEqual(GDC);
      m.send(GDC, 2000);
      m.reply(countReply(4), 2000);
      m.send(m.d.takeOutgoing?.() ?? [], 2000);
      expect(triples(m.reply(okReply(rec(9, 133, 88, 77)), 2000)).map((x) => x.values)).toEqual([[133, 88, 77]]);
    }
  });

  it('a clearing block not answered OK: mode, clearing block and VER again', () => {
    const m = manual();
    m.send(driver.link.open);
    m.reply([hex('04 12 34 56 78 00 00 00')]);
    expect(m.d.takeOutgoing?.()).toEqual([MODE, ...CLEAR]);
    m.send([MODE, ...CLEAR]);
    m.reply([CLEAR_OK]);
    expect(m.d.takeOutgoing?.()).toEqual(cmd('VER', [0x30]));
  });

  it('a command unanswered for 1.5 s counts as garbled: resync after the next reply', () => {
    const m = opened(0);
    m.send(GDC, 2000);
    m.send(GDC, 4000); // the next poll finds the first one unanswered
    expect(m.d.takeOutgoing?.()).toEqual([]); // the second poll is awaited first
    m.reply(countReply(0), 4010);
    expect(m.d.takeOutgoing?.()).toEqual([MODE, ...CLEAR]);
  });

  it('a meter that garbles everything: error/no-valid-reply, then one resync per poll, then recovery', () => {
    const m = opened(1);
    const junk = hex('03 21 22 23 00 00 00 00');
    const ev: DeviceEvent[] = [];
    const modesPerPoll: number[] = [];
    let t = 2000;
    for (let poll = 0; poll < 4; poll++, t += 2000) {
      m.send(GDC, t);
      ev.push(...m.reply([junk], t));
      let modes = 0;
      for (let out = m.d.takeOutgoing?.() ?? [], guard = 0; out.length > 0 && guard < 50; out = m.d.takeOutgoing?.() ?? [], guard++) {
        modes += out.filter((f) => f.kind === 'feature').length;
        m.send(out, t);
        ev.push(...m.reply([junk], t));
      }
      modesPerPoll.push(modes);
    }
    expect(statuses(ev)).toEqual(['error/no-valid-reply']);
    expect(modesPerPoll).toEqual([4, 1, 1, 1]);
    // The meter answers again: the held resync goes out, then the count.
    m.send(GDC, t);
    ev.push(...m.reply(countReply(2), t));
    expect(m.d.takeOutgoing?.()).toEqual([MODE, ...CLEAR]);
    m.send([MODE, ...CLEAR], t);
    m.reply([CLEAR_OK], t);
    expect(m.d.takeOutgoing?.()).toEqual(GDC);
    m.send(GDC, t);
    m.reply(countReply(2), t);
    expect(m.d.takeOutgoing?.()).toEqual(gme(0));
    expect(statuses(ev)).toEqual(['error/no-valid-reply', 'ok']);
  });

  it('accepts a 9-byte report that still carries the 00 report ID', () => {
    const m = opened(1);
    m.send(GDC, 2000);
    m.reply(countReply(2).map((r) => Uint8Array.from([0, ...r])), 2000);
    expect(m.d.takeOutgoing?.()).toEqual(gme(0));
  });

  it('END is answered OFF\\r\\n and decodes to nothing', () => {
    const m = opened(0);
    m.send(driver.link.close);
    expect(m.reply([hex('05 4f 46 46 0d 0a 00 00')])).toEqual([]);
    expect(m.d.takeOutgoing?.()).toEqual([]);
  });
});

/** Frames of `sent` regrouped into commands (by the count byte: a short report ends a command). */
function commands(sent: readonly Frame[]): string[] {
  const out: string[] = [];
  let cur: number[] = [];
  for (const f of sent) {
    if (f.kind === 'feature') {
      out.push('MODE');
      continue;
    }
    const n = f.bytes[0] ?? 0;
    cur.push(...f.bytes.slice(1, 1 + n));
    if (n < 7 || cur.length >= 23) {
      out.push(cur[0] === 0 ? 'CLEAR' : String.fromCharCode(...cur.slice(0, 3)) + (cur.length === 8 ? `:${cur[6]}` : ''));
      cur = [];
    }
  }
  return out;
}

describe('omron-hem790it: simulator round trip (runSession)', () => {
  it('normal: old readings are history; each new measurement is one SYS/DIA/pulse triple with the set values', () => {
    const r = runSession(driver, {
      durationMs: 130_000,
      stepMs: 20,
      changes: [
        { atMs: 0, values: { systolic: 131, diastolic: 86, pulse: 77 } },
        { atMs: 70_000, values: { systolic: 104, diastolic: 69, pulse: 58 } },
      ],
    });
    expectValidEvents(driver, r.events);
    const got = triples(r.events);
    // Measurements at 3 s, 63 s, 123 s; each read at the next poll (every 2 s).
    expect(got.map((x) => [x.t, ...x.values])).toEqual([
      [4000, 131, 86, 77],
      [64000, 131, 86, 77],
      [124000, 104, 69, 58],
    ]);
    expect(got.map((x) => x.id)).toEqual([
      'omron-2025-06-02T08:00:03-131-86-77',
      'omron-2025-06-02T08:01:03-131-86-77',
      'omron-2025-06-02T08:02:03-104-69-58',
    ]);
    for (const x of got) expect(obs(r.events).filter((e) => e.measurementId === x.id)).toHaveLength(3);
    expect(r.events.find((e) => e.kind === 'observation' && e.t !== undefined && e.t < 3000)).toBeUndefined();
    expect(r.deviceBytes.length).toBeGreaterThan(0);
    expect(r.deviceBytes.every((b) => b.length === 8 && b[0]! >= 1 && b[0]! <= 7)).toBe(true);
  });

  it('link: open sequence, a count poll every 2 s, newest-reading checks, one command at a time', () => {
    const r = runSession(driver, { durationMs: 6000, stepMs: 10 });
    const c = commands(r.sent);
    expect(c.slice(0, 3)).toEqual(['MODE', 'CLEAR', 'VER']);
    expect(c.filter((x) => x === 'GDC:0')).toHaveLength(4); // 0, 2, 4, 6 s
    // 2 stored readings: each unchanged count is followed by a check of the newest; at 4 s the new one.
    expect(c.slice(3)).toEqual(['GDC:0', 'GME:0', 'GDC:0', 'GME:0', 'GDC:0', 'GME:0', 'GDC:0', 'GME:0']);
    expect(r.sent.every((f) => f.kind === 'feature' || f.bytes.length === 8)).toBe(true);
  });

  it('two measurements between polls (count +2): both emitted, oldest first', () => {
    const r = runSession(driver, {
      durationMs: 7000,
      stepMs: 10,
      changes: [
        { atMs: 4100, values: { systolic: 150, diastolic: 95, pulse: 90, completeMeasurement: true } },
        { atMs: 5200, values: { systolic: 112, diastolic: 74, pulse: 66, completeMeasurement: true } },
      ],
    });
    const got = triples(r.events);
    expect(got.slice(1).map((x) => [x.t, ...x.values])).toEqual([
      [6000, 150, 95, 90],
      [6000, 112, 74, 66],
    ]);
    expect(new Set(got.map((x) => x.id)).size).toBe(3);
    const c = commands(r.sent);
    const at = c.lastIndexOf('GME:1');
    expect(c.slice(at - 1, at + 2)).toEqual(['GDC:0', 'GME:1', 'GME:0']);
  });

  it('any values set before a measurement arrive exactly (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 70, max: 250 }), fc.integer({ min: 40, max: 140 }), fc.integer({ min: 30, max: 200 }), (s, d, p) => {
        const r = runSession(driver, {
          durationMs: 9000,
          stepMs: 50,
          changes: [{ atMs: 5000, values: { systolic: s, diastolic: d, pulse: p, completeMeasurement: true } }],
        });
        expect(triples(r.events).map((x) => x.values)).toEqual([expect.any(Array), [s, d, p]]);
      }),
      { numRuns: 25 },
    );
  });

  it('measure sends nothing, asks the patient to press START, and the reading ends that status', () => {
    const r = runSession(driver, { durationMs: 5000, stepMs: 10, commands: [{ atMs: 1000, name: 'measure' }] });
    const base = runSession(driver, { durationMs: 5000, stepMs: 10 });
    expect(r.sent).toEqual(base.sent);
    expect(r.events.filter((e) => e.kind === 'status').map((e) => [e.t, statuses([e])[0]])).toEqual([
      [0, 'ok'],
      [1000, 'measuring/press-start'],
      [4000, 'ok/new-reading'],
    ]);
  });

  it('error: each NO is answered by the same command again; every measurement still arrives once', () => {
    // The simulator wrapped to log each command it answered and whether the answer was NO.
    const log: { cmd: string; no: boolean }[] = [];
    const logged: Driver = {
      ...driver,
      createSimulator(scenario) {
        const sim = driver.createSimulator(scenario);
        let cmdHex = '';
        return {
          advance: (now) => sim.advance(now),
          set: (v) => sim.set(v),
          receive(frame, now) {
            const replies = sim.receive(frame, now);
            if (frame.kind === 'data') cmdHex += frame.bytes.join(',') + ';';
            if (replies.length > 0) {
              log.push({ cmd: cmdHex, no: replies[0]![1] === 0x4e && replies[0]![2] === 0x4f });
              cmdHex = '';
            }
            return replies;
          },
        };
      },
    };
    const r = runSession(logged, { scenario: 'error', durationMs: 190_000, stepMs: 50 });
    expectValidEvents(driver, r.events);
    const nos = log.flatMap((x, i) => (x.no ? [i] : []));
    expect(nos.length).toBeGreaterThan(10);
    for (const i of nos) expect(log[i + 1]?.cmd).toBe(log[i]!.cmd);
    expect(triples(r.events).map((x) => x.id.slice(6, 25))).toEqual([
      '2025-06-02T08:00:03',
      '2025-06-02T08:01:03',
      '2025-06-02T08:02:03',
      '2025-06-02T08:03:03',
    ]);
    expect(statuses(r.events).filter((x) => x.startsWith('error'))).toEqual([]);
  });

  it('forgetful: lost mode → garbage → mode and clearing block again; nothing lost or doubled', () => {
    const r = runSession(driver, { scenario: 'forgetful', durationMs: 250_000, stepMs: 50 });
    expectValidEvents(driver, r.events);
    expect(r.sent.filter((f) => f.kind === 'feature').length).toBeGreaterThan(3);
    const got = triples(r.events);
    expect(got.map((x) => x.id.slice(6, 25))).toEqual([
      '2025-06-02T08:00:03',
      '2025-06-02T08:01:03',
      '2025-06-02T08:02:03',
      '2025-06-02T08:03:03',
      '2025-06-02T08:04:03',
    ]);
    for (const x of got) expect(x.t! % 60_000).toBeLessThanOrEqual(6000);
  });

  it('memory-full: the count stays at 84, new readings are still found (newest-reading check)', () => {
    const r = runSession(driver, { scenario: 'memory-full', durationMs: 130_000, stepMs: 50, changes: [{ atMs: 0, values: { systolic: 127 } }] });
    expect(triples(r.events).map((x) => [x.t, x.values[0]])).toEqual([
      [4000, 127],
      [64000, 127],
      [124000, 127],
    ]);
  });

  it('unsolicited garbage reports (between exchanges) are ignored and break nothing', () => {
    const g = fc.sample(fc.uint8Array({ minLength: 8, maxLength: 8 }), { numRuns: 30, seed: 7 });
    const junk = [hex('02 4f 4b 00 00 00 00 00'), hex('02 4e 4f 00 00 00 00 00'), ...g];
    const r = runSession(driver, {
      durationMs: 70_000,
      stepMs: 50,
      inject: junk.map((bytes, i) => ({ atMs: 500 + i * 1000, bytes })),
      changes: [{ atMs: 0, values: { systolic: 122, diastolic: 81, pulse: 63 } }],
    });
    expectValidEvents(driver, r.events);
    expect(triples(r.events).map((x) => x.values)).toEqual([
      [122, 81, 63],
      [122, 81, 63],
    ]);
  });
});

describe('omron-hem790it: simulator as the device', () => {
  const send = (sim: ReturnType<typeof driver.createSimulator>, frames: readonly Frame[], now = 0): string[] =>
    frames.flatMap((f) => sim.receive(f, now)).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' '));

  it('clearing block OK only once the mode is set; VER; GDC; GME; bad checksum NO; END OFF', () => {
    const sim = driver.createSimulator('normal');
    expect(send(sim, CLEAR)).toHaveLength(1);
    expect(send(sim, CLEAR)[0]!.startsWith('02 4f 4b')).toBe(false); // no mode yet: garbage
    expect(send(sim, [MODE])).toEqual([]);
    expect(send(sim, CLEAR)).toEqual(['02 4f 4b 00 00 00 00 00']);
    expect(send(sim, cmd('VER', [0x30]))).toEqual(['07 4f 4b 00 4d 37 30 38', '07 30 49 54 20 32 30 37', '01 4a 00 00 00 00 00 00']);
    expect(send(sim, GDC)).toEqual(['07 4f 4b 00 00 0a 00 02', '01 08 00 00 00 00 00 00']);
    const r = send(sim, gme(1));
    expect(r).toHaveLength(3);
    expect(parseRecord(hex(r.join(' ')).filter((_, i) => i % 8 !== 0).slice(3, 17))).toBeDefined();
    expect(send(sim, gme(2))).toEqual(['02 4e 4f 00 00 00 00 00']); // only 2 stored
    expect(send(sim, [{ kind: 'data', bytes: [...hex('07 47 44 43 00 00 00 00')] }, { kind: 'data', bytes: [1, 5, 0, 0, 0, 0, 0, 0] }])).toEqual([
      '02 4e 4f 00 00 00 00 00',
    ]);
    expect(send(sim, cmd('END', [0xff]))).toEqual(['05 4f 46 46 0d 0a 00 00']);
    expect(send(sim, GDC)).toEqual([]); // powered off
  });

  it('stores a reading 3 s after start and on completeMeasurement', () => {
    const sim = driver.createSimulator('normal');
    send(sim, [MODE]);
    const count = (now: number): number => hex(send(sim, GDC, now)[0]!)[7]!;
    expect(count(2999)).toBe(2);
    expect(count(3000)).toBe(3);
    sim.set({ completeMeasurement: true });
    expect(sim.advance(3100)).toEqual([]);
    expect(count(3100)).toBe(4);
  });

  it('unknown scenario falls back to normal; scenarios are listed with normal first', () => {
    expect(driver.scenarios[0]).toBe('normal');
    expect(send(driver.createSimulator('nope'), [MODE, ...GDC])).toEqual(['07 4f 4b 00 00 0a 00 02', '01 08 00 00 00 00 00 00']);
  });
});

describe('omron-hem790it: contract checks', () => {
  it('survives fuzzing (random chunks)', () => {
    checkFuzz(driver);
  });

  it('survives random 8-byte reports mid-exchange, and only ever asks for well-formed frames', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxLength: 40 }), fc.nat(5), (rs, every) => {
        const m = opened(3);
        const events: DeviceEvent[] = [];
        let t = 2000;
        rs.forEach((r, i) => {
          if (every > 0 && i % every === 0) m.send(GDC, (t += 700));
          events.push(...m.d.push(r, t));
          const out = m.d.takeOutgoing?.() ?? [];
          for (const f of out) expect(f.kind === 'feature' ? f.bytes : f.bytes.length).toEqual(f.kind === 'feature' ? [0x74, 0xbc] : 8);
          m.send(out, t);
        });
        expectValidEvents(driver, events);
      }),
      { numRuns: 300 },
    );
  });

  // checkChunking is not called: HID input arrives as whole 8-byte reports whose count byte frames the
  // payload, so re-cutting the stream would change its meaning; runSession never re-cuts HID reports either.
});
