import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/hub/schema.ts';
import { HubStore } from '../../src/hub/store.ts';
import { PrivatePostgres } from '../helpers/postgres.ts';

/** `npm run hub -- migrate` (issue 14): the release step of a region's database, and what every node does at start. */

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'hub-migrate-'));
let pg: PrivatePostgres;
beforeAll(async () => {
  pg = await PrivatePostgres.start();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function hubCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, HUB_DATABASE_URL: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run hub -- migrate', () => {
  it('brings a new SQLite file to the schema, then says it is up to date', async () => {
    const db = join(dir, 'new.db');
    const first = await hubCli(['migrate', '--db', db]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`The hub database ${db}: ran 0001_baseline.`);
    const again = await hubCli(['migrate', '--db', db]);
    expect(again.stdout).toContain(`The hub database ${db} is up to date.`);
  }, 60_000);

  it('brings a file of an older hub up with its rows, by its legacy steps first', async () => {
    const db = join(dir, 'old.db');
    const raw = new Database(db);
    // The first ten steps of the hub before issue 14, and a doctor in it.
    raw.exec('BEGIN');
    for (const step of MIGRATIONS.slice(0, 10)) raw.exec(step);
    raw.pragma('user_version = 10');
    raw.prepare("INSERT INTO doctors (id, name, password_hash, created_at) VALUES ('dr.old', 'Dr Old', 'x', 1)").run();
    raw.exec('COMMIT');
    raw.close();
    const r = await hubCli(['migrate', '--db', db]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('(a file of schema 10 brought up first)');
    const store = await HubStore.open(db);
    expect(await store.account('doctor', 'dr.old')).toEqual({ id: 'dr.old', name: 'Dr Old' });
    await store.close();
  }, 60_000);

  it('migrates a PostgreSQL database given by HUB_DATABASE_URL, once, and the nodes then open it as it is', async () => {
    const url = await pg.createDatabase('region');
    const first = await hubCli(['migrate'], { HUB_DATABASE_URL: url });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/The hub database postgres@\S+\/region \(PostgreSQL\): ran 0001_baseline\./);
    expect((await hubCli(['migrate', '--db', url])).stdout).toMatch(/is up to date\./);
    const store = await HubStore.open(url);
    expect(store.engine).toBe('postgres');
    await store.addCabin({ id: 'cab-1', name: 'Cabine 1' });
    expect(await store.account('cabin', 'cab-1')).toEqual({ id: 'cab-1', name: 'Cabine 1' });
    await store.close();
  }, 60_000);

  it('a server that cannot be reached, a URL of another engine, no database: clear errors, exit code 2, no password shown', async () => {
    const [down, other, none] = await Promise.all([
      hubCli(['migrate', '--db', 'postgresql://hub:s3cret-pw@127.0.0.1:1/hub']),
      hubCli(['migrate', '--db', 'mysql://hub:pw@localhost/hub']),
      hubCli(['migrate']),
    ]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/hub@127\.0\.0\.1:1\/hub \(PostgreSQL\) cannot be reached/);
    expect(down.stderr).not.toContain('s3cret-pw');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/mysql:\/\/… is not supported/);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--db is required/);
  }, 60_000);
});
