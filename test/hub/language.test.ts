import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { HubStore } from '../../src/hub/store.ts';
import { integrityCheck } from '../../src/server/sqlite.ts';
import { LANGUAGES } from '../../src/shared/language.ts';
import { apply, CAB_1, tempDbs } from './helpers.ts';

const tempDb = tempDbs('hub-language-');

/** A hub file as the version before Arabic left it: one ended consultation with its incident and reading. */
function fileBeforeArabic(): string {
  const file = tempDb();
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  const before = MIGRATIONS.findIndex((m) => m.includes('consultations_v6'));
  for (let v = 0; v < before; v++) db.exec(MIGRATIONS[v]!);
  db.pragma(`user_version = ${before}`);
  db.prepare("INSERT INTO doctors VALUES ('dr.a', 'Dr A', 'x', 0, NULL)").run();
  db.prepare("INSERT INTO cabins VALUES ('cab-1', 'Cabin 1', 'x', 0, NULL)").run();
  db.prepare(
    "INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at, notes, cabin_left_at, cabin_left_reason, visit) VALUES ('c1', 'cab-1', 'dr.a', 'fr', 'ended', 1, 2, 3, 'notes', 3, 'patient', 'v1')",
  ).run();
  db.prepare("INSERT INTO incidents (consultation_id, t, side, detail) VALUES ('c1', 2, 'cabin', 'video link lost')").run();
  db.prepare("INSERT INTO report_readings (consultation_id, id, code, value, unit, t) VALUES ('c1', 'obs-1', 'MDC_PULS_OXIM_SAT_O2', 97, '%', 2)").run();
  // The defect: the old table refuses a patient who speaks Arabic.
  expect(() => db.prepare("INSERT INTO consultations (id, cabin_id, language, state, created_at) VALUES ('c2', 'cab-1', 'ar', 'waiting', 4)").run()).toThrow(/CHECK/);
  db.close();
  return file;
}

describe('the hub keeps a consultation in every language', () => {
  it('a patient speaking each language (Arabic included) can ask for a doctor', async () => {
    for (const language of LANGUAGES) {
      const store = await HubStore.open(tempDb());
      await store.addCabin({ id: 'cab-1', name: 'Cabin 1' });
      const next = (await apply(store, CAB_1, { type: 'request', language })).out.next!;
      expect((await store.consultation(next.id))?.language).toBe(language);
      await store.close();
    }
  });

  it('migrates a file from before Arabic without losing a consultation, its incidents or its readings', async () => {
    const store = await HubStore.open(fileBeforeArabic());
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(integrityCheck(store.db)).toBe('ok');
    const report = (await store.report('c1'))!;
    expect(report.notes).toBe('notes');
    expect(report.incidents.map((i) => i.detail)).toEqual(['video link lost']);
    expect(report.readings.map((r) => r.id)).toEqual(['obs-1']);
    expect(store.db.prepare("SELECT cabin_left_reason AS reason, visit FROM consultations WHERE id = 'c1'").get()).toEqual({ reason: 'patient', visit: 'v1' });
    // The indexes came back: one open consultation per cabin is still the database's rule.
    const indexes = (store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'consultations' AND sql IS NOT NULL").all() as { name: string }[]).map((r) => r.name).sort();
    expect(indexes).toEqual(['consultations_open_cabin', 'consultations_open_doctor', 'consultations_waiting']);
    const next = (await apply(store, CAB_1, { type: 'request', language: 'ar' })).out.next!;
    expect((await store.consultation(next.id))?.language).toBe('ar');
    await store.close();
  });
});
