import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { openSync, writeSync, closeSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toStoreError } from '../../src/main/store/errors.ts';
import { integrityCheck } from '../../src/server/sqlite.ts';
import { StoreError } from '../../src/main/store/index.ts';
import { storeTemp } from './helpers/store-temp.ts';

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const obs = (sessionId: string, id: string) => ({ id, sessionId, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1 });

function thrown(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

describe('store errors', () => {
  it('a full disk (SQLITE_FULL, provoked with max_page_count) is a clear error; nothing is half-written', () => {
    const file = tmp.file();
    const s = tmp.open(file, { maxSizeBytes: 48 * 4096 });
    const sid = s.createSession('fr');
    let err: StoreError | undefined;
    let stored = 0;
    for (let i = 0; i < 100_000 && !err; i++) {
      try {
        s.addObservation({ ...obs(sid, `o${i}`), deviceId: `ox-${'x'.repeat(200)}` });
        stored++;
      } catch (e) {
        err = e as StoreError;
      }
    }
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/disk is full.*free space on the disk or call support/) });
    expect(stored).toBeGreaterThan(10);
    // The store still reads, and every stored observation has its outbox entry (the failed one has neither).
    expect(s.observations(sid)).toHaveLength(stored);
    expect(s.pendingCount()).toBe(stored);
    expect(s.integrityCheck()).toBe('ok');
    s.close();
    // With room again, writing resumes where it stopped.
    const roomy = tmp.open(file);
    expect(roomy.addObservation(obs(sid, `o${stored}`))).toBe(true);
    expect(roomy.observations(sid)).toHaveLength(stored + 1);
  });

  it('a file that is not a database is reported as damaged, not overwritten', () => {
    const file = tmp.file();
    const garbage = randomBytes(8192);
    writeFileSync(file, garbage);
    const err = thrown(() => tmp.open(file));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/is damaged \(SQLITE_NOTADB.*: the cabin will not start on it.*keep them for support/);
    expect(err.message).toContain(file);
    expect(statSync(file).size).toBe(garbage.length);
  });

  it('a damaged page is refused at open (quick_check), and integrityCheck reports it too', () => {
    const file = tmp.file();
    const s = tmp.open(file);
    const sid = s.createSession('fr');
    for (let i = 0; i < 2000; i++) s.addObservation(obs(sid, `o${i}`));
    s.close(); // checkpoints: everything is in the main file
    const pages = statSync(file).size / 4096;
    const fd = openSync(file, 'r+');
    for (let p = 3; p < pages; p += 3) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, p * 4096);
    closeSync(fd);
    expect(thrown(() => tmp.open(file)).code).toBe('corrupt');
    const raw = new Database(file);
    const problems = integrityCheck(raw);
    raw.close();
    expect(problems).not.toBe('ok');
    expect(problems.length).toBeGreaterThan(0);
  });

  it('a database locked by another program fails after the busy timeout with a clear error, then works again', () => {
    const file = tmp.file();
    const s = tmp.open(file, { busyTimeoutMs: 50 });
    const sid = s.createSession('fr');
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const err = thrown(() => s.addObservation(obs(sid, 'o1')));
    expect(err).toMatchObject({ code: 'locked', message: expect.stringMatching(/locked by another program/) });
    other.exec('COMMIT');
    other.close();
    expect(s.addObservation(obs(sid, 'o1'))).toBe(true);
  });

  it('a missing folder cannot be opened; a closed store says so', () => {
    expect(thrown(() => tmp.open(join(tmp.dir(), 'missing', 'cabin.db'))).code).toBe('cannot-open');
    const s = tmp.open(tmp.file());
    s.close();
    s.close(); // idempotent
    expect(thrown(() => s.createSession('fr')).code).toBe('closed');
  });

  it('maps SQLite result codes (read-only and I/O cannot be provoked as root) to actionable sentences', () => {
    const f = '/var/lib/cabin/cabin.db';
    const cases: [string, string, RegExp][] = [
      ['SQLITE_READONLY', 'read-only', /is read-only: let the cabin's user write to the file/],
      ['SQLITE_READONLY_DBMOVED', 'read-only', /read-only/],
      ['SQLITE_BUSY_SNAPSHOT', 'locked', /locked by another program/],
      ['SQLITE_IOERR_WRITE', 'io', /disk error/],
      ['SQLITE_CORRUPT_INDEX', 'corrupt', /damaged/],
      ['SQLITE_FULL', 'disk-full', /disk is full/],
      ['SQLITE_CONSTRAINT_FOREIGNKEY', 'unknown-session', /visit the cabin no longer has/],
      ['SQLITE_MISMATCH', 'sqlite', /unexpected error/],
    ];
    for (const [sqlite, code, sentence] of cases) {
      const e = toStoreError(new Database.SqliteError('from sqlite', sqlite), f);
      expect(e).toMatchObject({ code });
      expect(e.message).toMatch(sentence);
      expect(e.cause).toBeInstanceOf(Database.SqliteError);
    }
  });
});
