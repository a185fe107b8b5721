import { chmodSync, closeSync, existsSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { startCabin } from '../../src/main/app.ts';
import { demoConfig } from '../../src/main/config.ts';
import { StoreError } from '../../src/main/store/index.ts';
import { storeTemp } from './helpers/store-temp.ts';

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

const mode = (f: string): number => statSync(f).mode & 0o777;

function thrown(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

/** A cabin store whose last visit waits for cleaning, closed (checkpointed). */
function usedStore(file: string): void {
  const s = tmp.open(file);
  const sid = s.createSession('fr');
  for (let i = 0; i < 400; i++) s.addObservation({ id: `o${i}`, sessionId: sid, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: i });
  s.endSession(sid, 'completed');
  s.audit({ actor: 'patient', action: 'session-end', sessionId: sid, detail: { reason: 'completed' } });
  expect(s.cleaningPending()).toBe(true);
  s.close();
  expect(statSync(file).size / 4096).toBeGreaterThan(10);
}

describe('cabin store: emptied, damaged, private', () => {
  it('a fresh install opens and leaves its marker; cabin.db, its WAL and SHM are 0600', () => {
    const file = tmp.file();
    const s = tmp.open(file);
    s.createSession('fr');
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.store-id`]) expect(mode(f), f).toBe(0o600);
    s.close();
    expect(tmp.open(file).cleaningPending()).toBe(false);
  });

  it('an existing cabin.db readable by others is made 0600 at open, its WAL too', () => {
    const file = tmp.file();
    usedStore(file);
    chmodSync(file, 0o644);
    const s = tmp.open(file);
    s.createSession('fr');
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
  });

  it('cabin.db truncated to 0 bytes is refused: the pending cleaning is not silently forgotten', () => {
    const file = tmp.file();
    usedStore(file);
    truncateSync(file, 0);
    const err = thrown(() => tmp.open(file));
    expect(err.code).toBe('emptied');
    expect(err.message).toContain(`The cabin database ${file} is empty (0 bytes), but it existed`);
    expect(err.message).toContain('the visit waiting for cleaning');
    expect(err.message).toContain(`mv ${file}.store-id ${file}.store-id.old`);
    expect(statSync(file).size).toBe(0);
    // Deleted instead of emptied: refused the same way, and not recreated.
    rmSync(file);
    expect(thrown(() => tmp.open(file)).message).toMatch(/is missing, but it existed/);
    expect(existsSync(file)).toBe(false);
  });

  it('a damaged page is refused at open with what to do', () => {
    const file = tmp.file();
    usedStore(file);
    const pages = statSync(file).size / 4096;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    const err = thrown(() => tmp.open(file));
    expect(err.code).toBe('corrupt');
    expect(err.message).toContain(`The cabin database ${file} is damaged`);
    expect(err.message).toContain(`mv ${file} ${file}.damaged`);
    expect(err.message).toContain('restore your last backup');
  });

  it('moving the marker aside, as the sentence says, starts afresh', () => {
    const file = tmp.file();
    usedStore(file);
    truncateSync(file, 0);
    rmSync(`${file}.store-id`);
    const s = tmp.open(file);
    expect(s.cleaningPending()).toBe(false);
    expect(existsSync(`${file}.store-id`)).toBe(true);
  });

  it('cabin main does not start on it: startCabin rejects with the sentence `npm start` prints', async () => {
    const file = tmp.file();
    usedStore(file);
    truncateSync(file, 0);
    await expect(startCabin(demoConfig({ dataDir: dirname(file) }))).rejects.toMatchObject({ code: 'emptied', message: expect.stringContaining(`The cabin database ${file} is empty`) });
    expect(statSync(file).size).toBe(0);
  });
});
