import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/hub/demo.ts';
import { SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { createLogger } from '../../src/server/log.ts';
import { hashPassword, verifyPassword } from '../../src/hub/secrets.ts';
import { HubStore, MAX_INCIDENTS } from '../../src/hub/store.ts';
import { ConsultationReportSchema, MAX_SESSION_S } from '../../src/shared/hub-protocol.ts';
import { apply } from './helpers.ts';
import { testDatabase } from '../helpers/hub-db.ts';

const dir = mkdtempSync(join(tmpdir(), 'hub-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HubStore', () => {
  it('migrates a new file (WAL, user_version) and refuses a file from a newer hub', async () => {
    const file = join(dir, 'a.db');
    const s = await HubStore.open(file);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    await s.close();
    // A newer hub's file: a migration this one does not know is recorded (issue 14's Kysely migrations).
    const raw = new Database(file);
    raw.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('9999_from_a_newer_hub', new Date().toISOString());
    raw.close();
    await expect(HubStore.open(file)).rejects.toThrow(/newer hub/);
    // A file of a hub from before them, at a schema above what this one knows: refused too.
    const old = join(dir, 'from-before.db');
    const before = new Database(old);
    before.exec('CREATE TABLE doctors (id TEXT PRIMARY KEY)');
    before.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    before.close();
    await expect(HubStore.open(old)).rejects.toThrow(/newer hub/);
  });

  it('keeps its file readable by the hub’s account only', async () => {
    const file = join(dir, 'mode.db');
    const s = await HubStore.open(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await s.close();
  });

  it('keeps at most MAX_INCIDENTS incidents per consultation', async () => {
    const s = await HubStore.open(await testDatabase(dir, 'incidents.db'));
    await s.addCabin({ id: 'c1', name: 'C' });
    const id = (await apply(s, { role: 'cabin', id: 'c1', name: 'C' }, { type: 'request', language: 'fr' })).out.next!.id;
    for (let i = 0; i < MAX_INCIDENTS + 50; i++) await s.addIncident(id, 'cabin', `incident ${i}`);
    expect((await s.report(id))!.incidents).toHaveLength(MAX_INCIDENTS);
    await s.close();
  });

  it('reports every stored reading, even one today’s contract refuses; a corrupt row is left out and logged', async () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const s = await HubStore.open(await testDatabase(null), Date.now, createLogger({ name: 'hub', level: 'warn', destination: out }));
    await s.addCabin({ id: 'c1', name: 'C' });
    const db = s.kysely.db;
    await db.insertInto('consultations').values({ id: 'k', cabin_id: 'c1', language: 'fr', state: 'active', created_at: 1, claimed_at: null, ended_at: null, cabin_left_at: null, cabin_left_reason: null, visit: null }).execute();
    const insert = (id: string, code: string, value: number, unit: string, t: number) =>
      db.insertInto('report_readings').values({ consultation_id: 'k', id, code, value, absent: null, unit, t, device_id: null, measurement_id: null, from_cabin_at: null, meta: null }).execute();
    await insert('a', 'MDC_PULS_OXIM_SAT_O2', 97, '%', 1);
    await insert('b', '59408-5', 96, '%', 2); // a code outside today's catalogue (an older hub stored any)
    await insert('c', 'MDC_PULS_OXIM_SAT_O2', 95, '', 3); // an empty unit
    await insert('d', 'MDC_FUTURE_CODE', 1, 'x'.repeat(30), 4); // a newer catalogue's code and unit
    expect((await s.report('k'))!.readings.map((r) => [r.id, r.code])).toEqual([['a', 'MDC_PULS_OXIM_SAT_O2'], ['b', '59408-5'], ['c', 'MDC_PULS_OXIM_SAT_O2'], ['d', 'MDC_FUTURE_CODE']]);
    expect(lines).toEqual([]);
    expect(ConsultationReportSchema.safeParse(await s.report('k')).success).toBe(true); // the doctor's console reads it whole
    await insert('e', 'MDC_TEMP_BODY', Infinity, 'Cel', 5); // no number JSON can carry
    expect((await s.report('k'))!.readings).toHaveLength(4);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([{ level: 40, consultationId: 'k', unreadable: 1 }]);
    await s.close();
  });

  it('openForMany answers what openFor answers, for many accounts in one query', async () => {
    const s = await HubStore.open(await testDatabase(dir, 'open-many.db'));
    await s.addDoctor({ username: 'dr.x', name: 'Dr X', password: 'correct horse battery' });
    for (const c of ['c1', 'c2', 'c3', 'c4']) await s.addCabin({ id: c, name: c });
    const cab = (id: string) => ({ role: 'cabin' as const, id, name: id });
    const ids: Record<string, string> = {};
    for (const c of ['c1', 'c2', 'c3']) ids[c] = (await apply(s, cab(c), { type: 'request', language: 'fr' })).out.next!.id;
    // c2 is claimed by dr.x (active), c3 cancels (nothing open), c4 never asked.
    expect((await apply(s, { role: 'doctor', id: 'dr.x', name: 'Dr X' }, { type: 'claim', consultationId: ids.c2! })).out.next?.state).toBe('active');
    expect((await apply(s, cab('c3'), { type: 'cancel', consultationId: ids.c3! })).out.next?.state).toBe('cancelled');
    const many = await s.openForMany('cabin', ['c1', 'c2', 'c3', 'c4', 'nobody']);
    expect([...many.keys()].sort()).toEqual(['c1', 'c2']);
    for (const c of ['c1', 'c2', 'c3', 'c4']) expect(many.get(c) ?? []).toEqual(await s.openFor('cabin', c));
    const doctors = await s.openForMany('doctor', ['dr.x', 'dr.y']);
    expect(doctors.get('dr.x')!.map((c) => c.id)).toEqual([ids.c2]);
    expect(doctors.get('dr.x')).toEqual(await s.openFor('doctor', 'dr.x'));
    expect(doctors.has('dr.y')).toBe(false);
    expect((await s.openForMany('cabin', [])).size).toBe(0);
    await s.close();
  });

  it('keeps only hashes of passwords and cabin keys', async () => {
    const s = await HubStore.open(join(dir, 'b.db'));
    await s.addDoctor({ username: 'dr.x', name: 'Dr X', password: 'the password 1' });
    const { key } = await s.addCabin({ id: 'c1', name: 'C1' });
    const dump = JSON.stringify([s.db.prepare('SELECT * FROM doctors').all(), s.db.prepare('SELECT * FROM cabins').all()]);
    expect(dump).not.toContain('the password 1');
    expect(dump).not.toContain(key);
    expect(dump).toMatch(/scrypt\$\d+\$8\$1\$/);
    expect(await s.verifyDoctor('dr.x', 'the password 1')).toEqual({ id: 'dr.x', name: 'Dr X' });
    expect(await s.verifyDoctor('dr.x', 'the password 2')).toBeNull();
    expect(await s.verifyCabin('c1', key)).toEqual({ id: 'c1', name: 'C1' });
    expect(await s.verifyCabin('c1', key.slice(1))).toBeNull();
    await s.close();
  });

  it('verifies a malformed stored hash as false without throwing', async () => {
    const good = await hashPassword('pw-123456789');
    for (const bad of ['', 'scrypt$1$2', good.replace(/\$8\$/, '$x$'), 'bcrypt$1$1$1$aa$bb', good.replace('scrypt$32768', 'scrypt$1073741824')]) {
      expect(await verifyPassword('pw-123456789', bad)).toBe(false);
    }
    expect(await verifyPassword('pw-123456789', good)).toBe(true);
  });

  it('seedDemo gives fresh secrets on every call and the old ones stop working', async () => {
    const s = await HubStore.open(await testDatabase(null));
    const first = await seedDemo(s);
    const second = await seedDemo(s);
    expect(first.doctor.username).toBe('dr.demo');
    expect(first.cabin.id).toBe('demo-cabin');
    expect(second.doctor.password).not.toBe(first.doctor.password);
    expect(second.cabin.key).not.toBe(first.cabin.key);
    expect(await s.verifyDoctor('dr.demo', first.doctor.password)).toBeNull();
    expect(await s.verifyDoctor('dr.demo', second.doctor.password)).toEqual({ id: 'dr.demo', name: second.doctor.name });
    expect(await s.verifyCabin('demo-cabin', first.cabin.key)).toBeNull();
    expect(await s.verifyCabin('demo-cabin', second.cabin.key)).toEqual({ id: 'demo-cabin', name: second.cabin.name });
    await s.close();
  });
  it('keeps sessions valid until ended, MAX_SESSION_S old or their account disabled', async () => {
    let clock = 1_000_000;
    const s = await HubStore.open(await testDatabase(null), () => clock);
    await s.addDoctor({ username: 'dr.x', name: 'Dr X', password: 'the password 1' });
    await s.addCabin({ id: 'c1', name: 'C1' });
    const doc = await s.createSession('doctor', 'dr.x', { refresh: true });
    const cab = await s.createSession('cabin', 'c1');
    expect(doc.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(doc.refresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cab.refresh).toBeNull();
    expect(await s.session(doc.sid)).toEqual({ sid: doc.sid, role: 'doctor', subject: 'dr.x', name: 'Dr X', createdAt: clock });
    expect((await s.sessionByRefresh(doc.refresh!))?.sid).toBe(doc.sid);
    expect(await s.sessionByRefresh(doc.refresh!.slice(1))).toBeNull();
    expect(await s.endSession(cab.sid)).toBe(true);
    expect(await s.endSession(cab.sid)).toBe(false);
    expect(await s.session(cab.sid)).toBeNull();
    clock += MAX_SESSION_S * 1000 - 1;
    expect(await s.session(doc.sid)).not.toBeNull();
    clock += 1;
    expect(await s.session(doc.sid)).toBeNull();
    expect(await s.pruneSessions()).toBe(2);

    const again = await s.createSession('doctor', 'dr.x', { refresh: true });
    const cabin = await s.createSession('cabin', 'c1');
    expect(await s.disableAccount('doctor', 'dr.x')).toBe(true);
    expect(await s.disableAccount('doctor', 'dr.nobody')).toBe(false);
    expect(await s.session(again.sid)).toBeNull();
    expect(await s.sessionByRefresh(again.refresh!)).toBeNull();
    expect(await s.session(cabin.sid)).not.toBeNull();
    expect(await s.verifyDoctor('dr.x', 'the password 1')).toBeNull();
    expect(await s.account('doctor', 'dr.x')).toBeNull();
    expect(await s.isDisabled('doctor', 'dr.x')).toBe(true);
    await s.close();
  });

  it('a disabled cabin cannot log in, and its sessions end', async () => {
    const s = await HubStore.open(await testDatabase(null));
    const { key } = await s.addCabin({ id: 'c1', name: 'C1' });
    const session = await s.createSession('cabin', 'c1');
    expect(await s.disableAccount('cabin', 'c1')).toBe(true);
    expect(await s.verifyCabin('c1', key)).toBeNull();
    expect(await s.account('cabin', 'c1')).toBeNull();
    expect(await s.session(session.sid)).toBeNull();
    await s.close();
  });
});
