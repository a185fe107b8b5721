import Database from 'better-sqlite3';
import { openDatabase } from '../../src/main/store/open.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, StoreError, type Store } from '../../src/main/store/index.ts';
import { MIGRATIONS } from '../../src/main/store/migrations.ts';
import { manualClock, storeTemp } from './helpers/store-temp.ts';

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const obs = (sessionId: string, id: string, value = 97) => ({
  id,
  sessionId,
  deviceId: 'ox-1',
  code: 'MDC_PULS_OXIM_SAT_O2' as const,
  value,
  unit: '%',
  t: 1000,
});

const HOUR = 3_600_000;

/** Raw counts, read through a second connection (what is really in the file). */
function rows(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('store: opening and migrations', () => {
  it('creates the schema from an empty file, and re-opening changes nothing', () => {
    const file = tmp.file();
    const a = tmp.open(file);
    const id = a.createSession('fr');
    a.close();
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const b = tmp.open(file);
    expect(b.session(id)).toMatchObject({ id, language: 'fr', endedAt: null });
    expect(b.integrityCheck()).toBe('ok');
    b.close();
  });

  it('keeps a 2 MiB page cache, not better-sqlite3’s 16 MB default, so main’s memory does not grow with the file', () => {
    const db = openDatabase(tmp.file());
    expect(db.raw.pragma('cache_size', { simple: true })).toBe(-2048);
    expect(new Database(':memory:').pragma('cache_size', { simple: true })).toBe(-16000);
    db.raw.close();
  });

  it('refuses a file written by a newer schema, and leaves it untouched', () => {
    const file = tmp.file();
    tmp.open(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const err = catchError(() => tmp.open(file));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'newer-schema', message: expect.stringMatching(/newer version of the cabin software/) });
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    after.close();
  });
});

describe('store: sessions', () => {
  it('runs start → consent → end, and finds the open session after a restart', () => {
    const clock = manualClock();
    const file = tmp.file();
    const s = tmp.open(file, { now: clock.now });
    expect(s.openSession()).toBeUndefined();
    const id = s.createSession('en');
    clock.advance(1000);
    s.recordConsent(id);
    s.close();

    const again = tmp.open(file, { now: clock.now });
    expect(again.openSession()).toMatchObject({ id, language: 'en', startedAt: clock.now() - 1000, consentAt: clock.now() });
    clock.advance(5000);
    expect(again.endSession(id, 'crash-recovery')).toBe(true);
    expect(again.endSession(id, 'completed')).toBe(false); // the first end stays
    expect(again.session(id)).toMatchObject({ endedAt: clock.now(), endReason: 'crash-recovery' });
    expect(again.openSession()).toBeUndefined();
  });

  it('refuses an unknown session, an unknown end reason and an unknown language', () => {
    const s = tmp.open(tmp.file());
    expect(() => s.recordConsent('nope')).toThrow(expect.objectContaining({ code: 'unknown-session' }));
    expect(() => s.endSession('nope', 'completed')).toThrow(expect.objectContaining({ code: 'unknown-session' }));
    const id = s.createSession('fr');
    expect(() => s.endSession(id, 'bored' as never)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => s.createSession('de' as never)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
  });
});

describe('store: observations and the outbox', () => {
  it('stores an observation and queues it in one go; a repeated id is ignored', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    expect(s.addObservation({ ...obs(sid, 'o1'), measurementId: 'm1' })).toBe(true);
    expect(s.addObservation(obs(sid, 'o1', 12))).toBe(false);
    expect(s.observations(sid)).toMatchObject([{ id: 'o1', value: 97, measurementId: 'm1', deviceId: 'ox-1' }]);
    expect(s.pending(10)).toMatchObject([
      { kind: 'observation', refId: 'o1', sessionId: sid, attempts: 0, payload: { id: 'o1', value: 97, measurementId: 'm1', unit: '%' } },
    ]);
  });

  it('a failing outbox insert leaves neither the observation nor the entry', () => {
    const file = tmp.file();
    const s = tmp.open(file);
    const sid = s.createSession('fr');
    s.addObservation(obs(sid, 'before'));
    // Another connection makes the outbox refuse inserts: the observation's insert succeeds, the queueing fails.
    const other = new Database(file);
    other.exec(`CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    expect(() => s.addObservation(obs(sid, 'lost'))).toThrow(StoreError);
    other.exec('DROP TRIGGER refuse');
    other.close();
    expect(s.observations(sid).map((o) => o.id)).toEqual(['before']);
    expect(s.pending(10).map((e) => e.refId)).toEqual(['before']);
    expect(s.addObservation(obs(sid, 'lost'))).toBe(true); // nothing half-written blocks the retry
  });

  it('refuses an observation of an unknown session or with a value that is not a number', () => {
    const s = tmp.open(tmp.file());
    expect(() => s.addObservation(obs('ghost', 'o1'))).toThrow(expect.objectContaining({ code: 'unknown-session' }));
    const sid = s.createSession('fr');
    expect(() => s.addObservation(obs(sid, 'o2', Number.NaN))).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(s.pendingCount()).toBe(0);
  });

  it('a device’s special value is kept as the reason, without a number, in the store and the outbox', () => {
    const file = tmp.file();
    const s = tmp.open(file);
    const sid = s.createSession('fr');
    const { value: _, ...noValue } = obs(sid, 'nres');
    expect(s.addObservation({ ...noValue, code: 'MDC_TEMP_BODY', unit: 'Cel', absent: 'nres', measurementId: 'm1' })).toBe(true);
    const [read] = s.observations(sid);
    expect(read).toMatchObject({ id: 'nres', code: 'MDC_TEMP_BODY', absent: 'nres', measurementId: 'm1' });
    expect(read).not.toHaveProperty('value');
    expect(s.pending(10)[0]!.payload).toMatchObject({ id: 'nres', absent: 'nres' });
    expect(s.pending(10)[0]!.payload).not.toHaveProperty('value');
    // Neither a value nor a reason, or both: refused, nothing stored.
    expect(() => s.addObservation({ ...noValue, id: 'neither' })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => s.addObservation({ ...obs(sid, 'both'), absent: 'nan' })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(s.observations(sid).map((o) => o.id)).toEqual(['nres']);
    s.close();
    // The table refuses it too (another writer, a bug): one of the two, never both or neither.
    const raw = new Database(file);
    const insert = raw.prepare(
      "INSERT INTO observations (id, session_id, device_id, code, value, absent, unit, t, received_at) VALUES (?, ?, 'd', 'MDC_TEMP_BODY', ?, ?, 'Cel', 1, 1)",
    );
    expect(() => insert.run('x1', sid, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('x2', sid, 37, 'nan')).toThrow(/CHECK/);
    raw.close();
  });

  it('a database of the schema before absent values (4) is migrated: its readings and their order are kept, and absent ones can be added', () => {
    const file = tmp.file();
    tmp.open(file).close(); // the marker beside the file, as a real cabin has
    const old = new Database(file);
    old.exec('DROP TABLE observations; DROP TABLE ble_devices; DROP TABLE ble_records; DELETE FROM outbox; DELETE FROM sessions;');
    old.exec(`CREATE TABLE observations (
      id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, device_id TEXT NOT NULL, code TEXT NOT NULL,
      value REAL NOT NULL, unit TEXT NOT NULL, t REAL NOT NULL, measurement_id TEXT, received_at INTEGER NOT NULL) STRICT;
      CREATE INDEX observations_session ON observations(session_id);`);
    old.exec(MIGRATIONS[3]!);
    old.pragma('user_version = 4');
    old.exec("INSERT INTO sessions (id, started_at, language) VALUES ('s-old', 1, 'fr')");
    const ins = old.prepare("INSERT INTO observations (id, session_id, device_id, code, value, unit, t, measurement_id, received_at, meta) VALUES (?, 's-old', 'bp', ?, ?, 'mm[Hg]', 5, 'm', 9, ?)");
    ins.run('z-sys', 'MDC_PRESS_BLD_NONINV_SYS', 128, '{"decimals":0}');
    ins.run('a-dia', 'MDC_PRESS_BLD_NONINV_DIA', 82, null);
    old.close();
    const s = tmp.open(file);
    expect(s.observations('s-old')).toMatchObject([
      { id: 'z-sys', value: 128, decimals: 0, measurementId: 'm', receivedAt: 9 },
      { id: 'a-dia', value: 82 },
    ]);
    const { value: _, ...noValue } = obs('s-old', 'mean');
    expect(s.addObservation({ ...noValue, code: 'MDC_PRESS_BLD_NONINV_MEAN', unit: 'mm[Hg]', absent: 'nan' })).toBe(true);
    expect(s.observations('s-old').map((o) => o.absent ?? o.value)).toEqual([128, 82, 'nan']);
    expect(s.integrityCheck()).toBe('ok');
    s.close();
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
  });

  it('gives the pending entries oldest first, counts attempts, and forgets what was delivered', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    for (const id of ['a', 'b', 'c', 'd']) s.addObservation(obs(sid, id));
    const report = s.enqueue({ kind: 'session-report', refId: sid, sessionId: sid, payload: { sessionId: sid } });
    expect(s.enqueue({ kind: 'session-report', refId: sid, sessionId: sid, payload: {} })).toBe(report);
    const first = s.pending(2);
    expect(first.map((e) => e.refId)).toEqual(['a', 'b']);
    s.markAttempt(first[0]!.id);
    s.markAttempt(first[0]!.id);
    expect(s.pending(1)[0]).toMatchObject({ refId: 'a', attempts: 2, lastAttemptAt: expect.any(Number) });
    expect(s.markDelivered([first[0]!.id, first[1]!.id])).toBe(2);
    expect(s.markDelivered([first[0]!.id])).toBe(0);
    expect(s.markDeliveredByRef('observation', ['d'])).toBe(1); // the doctor acknowledges by observation id
    expect(s.pending(10).map((e) => e.refId)).toEqual(['c', sid]);
    expect(s.pendingCount()).toBe(2);
  });
});

describe('store: waveforms and media', () => {
  it('round-trips waveform samples: Int16 exactly, others as Float32', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    const ints = [0, 1, -1, 32767, -32768, 120, 255];
    const floats = [0.5, -1.25, 3.14159, 40000];
    s.addWaveformChunk({ sessionId: sid, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_PLETH', rate: 75, t: 10, samples: ints });
    s.addWaveformChunk({ sessionId: sid, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_PLETH', rate: 75, t: 20, samples: floats });
    const [a, b] = s.waveforms(sid);
    expect(a).toMatchObject({ format: 'i16le', rate: 75, t: 10, samples: ints });
    expect(b?.format).toBe('f32le');
    b!.samples.forEach((v, i) => expect(v).toBeCloseTo(floats[i]!, 4));
  });

  it('round-trips a media blob, and queues it only when asked', () => {
    const s = tmp.open(tmp.file());
    const sid = s.createSession('fr');
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const kept = s.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes });
    const sent = s.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/png', bytes: bytes.subarray(10, 20), deliver: true });
    expect(Buffer.compare(s.media(kept)!.bytes, Buffer.from(bytes))).toBe(0);
    expect([...s.media(sent)!.bytes]).toEqual([...bytes.subarray(10, 20)]);
    expect(s.mediaOf(sid).map((m) => m.id)).toEqual([kept, sent]);
    expect(s.pending(10)).toMatchObject([{ kind: 'media', refId: sent, payload: { id: sent, mime: 'image/png' } }]);
  });
});

describe('store: audit log', () => {
  it('records entries and filters them', () => {
    const clock = manualClock();
    const s = tmp.open(tmp.file(), { now: clock.now });
    const sid = s.createSession('fr');
    s.audit({ actor: 'patient', action: 'session-start', sessionId: sid });
    clock.advance(10);
    s.audit({ actor: 'patient', action: 'consent', sessionId: sid, detail: { accepted: true } });
    s.audit({ actor: 'assistant', action: 'cleaning-done', detail: { items: ['wipe-devices'] } });
    expect(s.auditTrail({ sessionId: sid }).map((e) => e.action)).toEqual(['session-start', 'consent']);
    expect(s.auditTrail({ actor: 'assistant' })).toMatchObject([{ action: 'cleaning-done', detail: { items: ['wipe-devices'] }, sessionId: null }]);
    expect(s.auditTrail({ since: clock.now() })).toHaveLength(2);
    expect(s.auditTrail({ limit: 1 })[0]).toMatchObject({ action: 'session-start', detail: null, at: clock.now() - 10 });
  });

  it('refuses detail fields that could carry patient data, and unknown actions', () => {
    const s = tmp.open(tmp.file());
    expect(() => s.audit({ actor: 'system', action: 'incident', detail: { value: 97 } as never })).toThrow(
      expect.objectContaining({ code: 'invalid-input' }),
    );
    expect(() => s.audit({ actor: 'system', action: 'reading' as never })).toThrow(StoreError);
    expect(s.auditTrail()).toEqual([]);
    s.audit({ actor: 'system', action: 'incident', detail: { detail: 'x'.repeat(5000) } });
    expect(s.auditTrail()[0]?.detail?.detail).toHaveLength(1000); // a long incident is cut, still logged
  });
});

describe('store: purge', () => {
  function visit(s: Store, opts: { deliver: boolean }): string {
    const sid = s.createSession('fr');
    s.audit({ actor: 'patient', action: 'session-start', sessionId: sid });
    s.addObservation(obs(sid, `${sid}-o1`));
    s.addObservation(obs(sid, `${sid}-o2`));
    s.addWaveformChunk({ sessionId: sid, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_PLETH', rate: 2, t: 0, samples: [1, 2] });
    s.addMedia({ sessionId: sid, kind: 'otoscope-snapshot', mime: 'image/jpeg', bytes: new Uint8Array([1, 2, 3]) });
    if (opts.deliver) s.markDeliveredByRef('observation', [`${sid}-o1`, `${sid}-o2`]);
    s.endSession(sid, 'completed');
    s.audit({ actor: 'patient', action: 'session-end', sessionId: sid, detail: { reason: 'completed' } });
    return sid;
  }

  it('purges delivered visits older than the retention with their data; keeps undelivered ones within their wait, recent and open ones, and the audit log', () => {
    const clock = manualClock();
    const file = tmp.file();
    const s = tmp.open(file, { now: clock.now });
    const old = visit(s, { deliver: true });
    const undelivered = visit(s, { deliver: false });
    clock.advance(20 * HOUR);
    const recent = visit(s, { deliver: true });
    const open = s.createSession('en');
    clock.advance(10 * HOUR);

    // Undelivered data waits two days for delivery (purge-undelivered.test.ts: what happens after).
    const limits = { retentionMs: 24 * HOUR, undeliveredMs: 48 * HOUR };
    const counts = s.purge(clock.now(), limits);
    expect(counts).toEqual({ sessions: 1, observations: 2, waveformChunks: 1, media: 1, outbox: 2, dropped: 0 });
    expect(s.session(old)).toBeUndefined();
    expect(s.observations(old)).toEqual([]);
    expect(s.waveforms(old)).toEqual([]);
    expect(s.mediaOf(old)).toEqual([]);
    for (const kept of [undelivered, recent, open]) expect(s.session(kept)).toBeDefined();
    expect(s.observations(undelivered)).toHaveLength(2);
    expect(s.pending(10).map((e) => e.refId)).toEqual([`${undelivered}-o1`, `${undelivered}-o2`]);
    expect(s.auditTrail({ sessionId: old }).map((e) => e.action)).toEqual(['session-start', 'session-end']);
    expect(rows(file, 'audit')).toBe(6);
    expect(s.purge(clock.now(), limits)).toEqual({ sessions: 0, observations: 0, waveformChunks: 0, media: 0, outbox: 0, dropped: 0 });

    // Once delivered, the late visit goes too, after the same retention.
    s.markDelivered(s.pending(10).map((e) => e.id));
    expect(s.purge(clock.now(), limits).sessions).toBe(1);
    expect(s.integrityCheck()).toBe('ok');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
