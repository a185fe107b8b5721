import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrityCheck, migrate, openSqlite, schemaVersion } from '../../src/server/sqlite.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'server-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = ['CREATE TABLE a (id INTEGER PRIMARY KEY) STRICT;', 'CREATE TABLE b (id INTEGER PRIMARY KEY, a INTEGER REFERENCES a(id)) STRICT;'];
const newer = (found: number, known: number) => new Error(`newer: ${found} > ${known}`);

describe('openSqlite', () => {
  it('opens in WAL with full sync, foreign keys, secure delete and the options asked for', () => {
    const db = openSqlite(join(dir, 'x.db'), { cacheKib: 2048, maxSizeBytes: 1 << 20, busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(8388608);
    expect(db.pragma('cache_size', { simple: true })).toBe(-2048);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect((db.pragma('max_page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number)).toBeLessThanOrEqual(1 << 20);
    db.close();
  });

  it('keeps a private file private, the WAL files too', () => {
    const file = join(dir, 'p.db');
    const db = openSqlite(file, { privateFile: true });
    migrate(db, STEPS, newer);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    db.close();
  });

  it('refuses a file that is not a database', () => {
    const file = join(dir, 'junk.db');
    writeFileSync(file, 'this is not a database, just some text long enough to fill a header page'.repeat(100));
    expect(() => openSqlite(file)).toThrow(/not a database/i);
  });

  it('works in memory', () => {
    const db = openSqlite(':memory:');
    expect(migrate(db, STEPS, newer)).toEqual({ from: 0, to: 2 });
    db.close();
  });
});

describe('migrate', () => {
  it('applies the missing steps once, and nothing when the file is current', () => {
    const db = openSqlite(join(dir, 'm.db'));
    expect(migrate(db, STEPS.slice(0, 1), newer)).toEqual({ from: 0, to: 1 });
    expect(migrate(db, STEPS, newer)).toEqual({ from: 1, to: 2 });
    expect(migrate(db, STEPS, newer)).toEqual({ from: 2, to: 2 });
    expect(schemaVersion(db)).toBe(2);
    db.close();
  });

  it('applies all steps or none', () => {
    const db = openSqlite(join(dir, 'n.db'));
    expect(() => migrate(db, [...STEPS, 'CREATE TABLE broken ('], newer)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a file from a newer version with the caller’s error', () => {
    const db = openSqlite(join(dir, 'v.db'));
    db.pragma('user_version = 5');
    expect(() => migrate(db, STEPS, newer)).toThrow('newer: 5 > 2');
    db.close();
  });
});

describe('integrityCheck', () => {
  it('is ok on a sound file, and names rows whose parent is missing', () => {
    const db = openSqlite(join(dir, 'i.db'));
    migrate(db, STEPS, newer);
    expect(integrityCheck(db)).toBe('ok');
    db.pragma('foreign_keys = OFF');
    db.prepare('INSERT INTO b (id, a) VALUES (1, 42)').run();
    expect(integrityCheck(db)).toEqual(['row 1 of b refers to a missing a row']);
    db.close();
  });
});
