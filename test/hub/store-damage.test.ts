import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubStore } from '../../src/hub/store.ts';
import { StoreRefusedError } from '../../src/server/store-file.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const hubFile = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'hub-damage-'));
  dirs.push(d);
  return join(d, 'hub.db');
};
const mode = (f: string): number => statSync(f).mode & 0o777;

function serve(db: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', 'serve', '--port', '0', '--db', db, '--console', ROOT], {
      cwd: ROOT,
      env: { ...process.env, HUB_JWT_SECRET: 'x'.repeat(40) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      // Started: this test expected a refusal, stop it so that the assertion shows what happened.
      if (/^hub: http/m.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end();
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A hub database with accounts on several pages, closed (checkpointed: everything in the main file). */
async function filledHub(file: string): Promise<void> {
  const s = await HubStore.open(file);
  // One write at a time: the store's transaction takes only a transition's writes (HubTx), and WAL commits are cheap.
  for (let i = 0; i < 600; i++) await s.addCabin({ id: `cab-${i}`, name: `Cabin ${i} ${'x'.repeat(80)}` });
  await s.close();
}

async function refusal(fn: () => Promise<unknown>): Promise<StoreRefusedError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreRefusedError);
    return err as StoreRefusedError;
  }
  throw new Error('expected a refusal');
}

describe('hub database: emptied, damaged, private', () => {
  it('a fresh install starts and leaves its marker; the database, its WAL and the marker are 0600', async () => {
    const file = hubFile();
    const s = await HubStore.open(file);
    await s.addCabin({ id: 'cab-1', name: 'One' });
    expect(existsSync(`${file}.store-id`)).toBe(true);
    expect(JSON.parse(readFileSync(`${file}.store-id`, 'utf8'))).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), database: file });
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.store-id`]) expect(mode(f), f).toBe(0o600);
    await s.close();
    // Reopened: same marker, still starts.
    const again = await HubStore.open(file);
    expect(await again.account('cabin', 'cab-1')).not.toBeNull();
    await again.close();
  });

  it('an existing database readable by others is made 0600 at open', async () => {
    const file = hubFile();
    await filledHub(file);
    chmodSync(file, 0o644);
    const s = await HubStore.open(file);
    expect(mode(file)).toBe(0o600);
    await s.close();
  });

  it('a database truncated to 0 bytes is refused (not recreated empty): serve exits non-zero saying what to do', async () => {
    const file = hubFile();
    await filledHub(file);
    truncateSync(file, 0);
    const err = (await refusal(() => HubStore.open(file)));
    expect(err.kind).toBe('emptied');
    const r = await serve(file);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/hub: http/);
    expect(r.stderr).toContain(`The hub database ${file} is empty (0 bytes), but it existed`);
    expect(r.stderr).toContain('Restore the database from your last backup');
    expect(r.stderr).toContain(`mv ${file}.store-id ${file}.store-id.old`);
    // Nothing was written into the emptied file.
    expect(statSync(file).size).toBe(0);
  }, 60_000);

  it('a deleted database is refused as well', async () => {
    const file = hubFile();
    await filledHub(file);
    rmSync(file);
    expect((await refusal(() => HubStore.open(file))).message).toMatch(/is missing, but it existed/);
    expect(existsSync(file)).toBe(false);
  });

  it('a damaged page is refused at start (quick_check), not found at the first login', async () => {
    const file = hubFile();
    await filledHub(file);
    const pages = statSync(file).size / 4096;
    expect(pages).toBeGreaterThan(8);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    const err = (await refusal(() => HubStore.open(file)));
    expect(err.kind).toBe('damaged');
    const r = await serve(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`The hub database ${file} is damaged`);
    expect(r.stderr).toContain(`mv ${file} ${file}.damaged`);
    expect(r.stderr).toContain('restore your last backup');
  }, 60_000);
});
