import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/log.ts';
import { storeTemp } from './helpers/store-temp.ts';

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

/** A store whose warnings are kept as parsed JSON lines. */
function openLogged() {
  const lines: string[] = [];
  const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const file = tmp.file();
  const store = tmp.open(file, { log: createLogger({ name: 'cabin', level: 'warn', destination: out }) });
  return { store, file, warnings: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const obs = (sessionId: string, id: string) => ({ id, sessionId, deviceId: 'ox-1', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1000 });

/** Writes through a second connection, as another version of the software (or a damaged file) left it. */
function raw(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

describe('store: rows stored by another version are never lost', () => {
  it('reads back an observation whose code and unit today’s catalogue does not know; a corrupt row is left out and logged', () => {
    const { store, file, warnings } = openLogged();
    const sid = store.createSession('fr');
    store.addObservation(obs(sid, 'a'));
    const insert = 'INSERT INTO observations (id, session_id, device_id, code, value, unit, t, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0)';
    raw(file, insert, 'b', sid, 'ox-1', '59408-5', 96, '%', 2);
    raw(file, insert, 'c', sid, 'ox-1', 'MDC_FUTURE_CODE', 1, '', 3);
    expect(store.observations(sid).map((o) => [o.id, o.code, o.unit])).toEqual([['a', 'MDC_PULS_OXIM_SAT_O2', '%'], ['b', '59408-5', '%'], ['c', 'MDC_FUTURE_CODE', '']]);
    expect(warnings()).toEqual([]);
    raw(file, "INSERT INTO observations (id, session_id, device_id, code, value, unit, t, received_at) VALUES ('d', ?, 'ox-1', 'MDC_TEMP_BODY', 9e999, 'Cel', 4, 0)", sid);
    expect(store.observations(sid)).toHaveLength(3);
    expect(warnings()).toMatchObject([{ level: 40, sessionId: sid, unreadable: 1 }]);
  });

  it('reads back each of an observation’s device fields on its own: a flag of a newer version or a damaged field drops only itself', () => {
    const { store, file, warnings } = openLogged();
    const sid = store.createSession('fr');
    store.addObservation({ ...obs(sid, 'a'), decimals: 1, flags: ['movement'], deviceClock: { state: 'skewed', offsetMs: 600_000 } });
    expect(store.observations(sid)[0]).toMatchObject({ id: 'a', decimals: 1, flags: ['movement'], deviceClock: { state: 'skewed', offsetMs: 600_000 } });
    const meta = { decimals: 1, flags: ['movement', 'flag-of-a-newer-version'], deviceClock: { state: 'slow' }, reported: { value: 'x' } };
    raw(file, 'UPDATE observations SET meta = ? WHERE id = ?', JSON.stringify(meta), 'a');
    const [back] = store.observations(sid);
    expect(back).toMatchObject({ id: 'a', value: 97, decimals: 1, flags: ['movement'] });
    expect(back).not.toHaveProperty('deviceClock');
    expect(back).not.toHaveProperty('reported');
    raw(file, 'UPDATE observations SET meta = ? WHERE id = ?', '[1, 2]', 'a');
    expect(store.observations(sid).map((o) => [o.id, o.value, o.flags])).toEqual([['a', 97, undefined]]);
    expect(warnings()).toEqual([]);
  });

  it('delivers every pending reading the wire accepts (a newer catalogue’s code too); one it refuses is skipped and logged', () => {
    const { store, file, warnings } = openLogged();
    const sid = store.createSession('fr');
    store.addObservation(obs(sid, 'a'));
    const queue = 'INSERT INTO outbox (kind, ref_id, session_id, payload, created_at) VALUES (?, ?, ?, ?, 0)';
    raw(file, queue, 'observation', 'bad', sid, JSON.stringify({ ...obs(sid, 'bad'), code: '59408-5' }));
    raw(file, queue, 'observation', 'corrupt', sid, '"not a reading"');
    raw(file, queue, 'observation', 'future', sid, JSON.stringify({ ...obs(sid, 'future'), code: 'MDC_FUTURE_CODE' }));
    store.addObservation(obs(sid, 'z'));
    expect(store.pendingReadings(sid).map((r) => [r.id, r.code])).toEqual([['a', 'MDC_PULS_OXIM_SAT_O2'], ['future', 'MDC_FUTURE_CODE'], ['z', 'MDC_PULS_OXIM_SAT_O2']]);
    expect(warnings()).toMatchObject([{ level: 40, sessionId: sid, refId: 'bad' }, { level: 40, sessionId: sid, refId: 'corrupt' }]);
  });
});
