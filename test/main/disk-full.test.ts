import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/main/config.ts';
import { hashPin } from '../../src/main/session/pin.ts';
import { SessionService } from '../../src/main/session/service.ts';
import { FAULT_LOG_EVERY_MS, PROBE_EVERY_MS } from '../../src/main/store/faults.ts';
import type { EventName } from '../../src/shared/bridge.ts';
import { captureLogger } from '../helpers/log-capture.ts';
import { storeTemp } from './helpers/store-temp.ts';

const tmp = storeTemp();
afterEach(() => tmp.cleanup());

/**
 * A full disk, for real: SQLite's max_page_count caps the file, and the store's writes fail with SQLITE_FULL through
 * better-sqlite3's own error path (nothing mocked).
 */
function fullRig() {
  let now = 1_700_000_000_000;
  const store = tmp.open(tmp.file(), { maxSizeBytes: 48 * 4096, now: () => now });
  const { log, lines } = captureLogger();
  const events: { name: EventName; payload: unknown }[] = [];
  const svc = new SessionService(store, demoConfig(), (name, payload) => events.push({ name, payload }), () => now, hashPin('1234'), log);
  svc.start('fr');
  svc.consent(true);
  /** One reading from the oximeter, as the device host sends them (64 a second were measured). */
  const reading = (i: number) => svc.onDeviceEvent(`ox-${'x'.repeat(200)}`, { kind: 'observation', code: 'MDC_PULS_OXIM_SAT_O2', value: 90 + (i % 10), unit: '%', t: now });
  return { svc, store, lines, events, reading, advance: (ms: number) => (now += ms) };
}

/** Readings at 64/s until the store refuses them (the file's cap is reached within a few hundred); the next index. */
function readUntilFull(r: ReturnType<typeof fullRig>): number {
  let i = 0;
  while (r.svc.view().storeFault !== 'disk-full' && i < 10_000) {
    r.reading(i++);
    r.advance(1000 / 64);
  }
  expect(r.svc.view().storeFault).toBe('disk-full');
  return i;
}

/** Readings until the store refuses them, then small audit lines until even those do not fit: not one byte left. */
function fill(r: ReturnType<typeof fullRig>): void {
  readUntilFull(r);
  for (let k = 0; k < 10_000; k++) {
    try {
      r.store.audit({ actor: 'system', action: 'incident', detail: { detail: 'filler' } });
    } catch (err) {
      if ((err as { code?: string }).code === 'disk-full') return;
      throw err;
    }
  }
  throw new Error('the audit lines never filled the disk');
}

const readingLines = (lines: Record<string, unknown>[]) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('a reading could not be stored'));

describe('disk full on the kiosk', () => {
  it('the assistant panel and the doctor are told, the log gets one line per 30 s with the count, the PIN still works', async () => {
    const r = fullRig();
    let i = readUntilFull(r);
    const stored = r.store.observations(r.svc.view().sessionId!).length;
    expect(stored).toBeGreaterThan(10);
    // The session event that carries it to the kiosk (assistant panel) and, from there, to the doctor's console.
    const sessions = r.events.filter((e) => e.name === 'session').map((e) => e.payload as { storeFault?: string });
    expect(sessions.at(-1)?.storeFault).toBe('disk-full');
    expect(sessions.filter((s) => s.storeFault === 'disk-full')).toHaveLength(1);

    // Ten seconds of readings at 64/s on a full disk: one log line, not 640.
    for (let k = 0; k < 640; k++) {
      r.reading(i++);
      r.advance(1000 / 64);
    }
    expect(readingLines(r.lines)).toHaveLength(1);
    expect(readingLines(r.lines)[0]).toMatchObject({ level: 50, code: 'disk-full', suppressed: 0 });
    // After the period, the next failure writes a line that counts those not written.
    r.advance(FAULT_LOG_EVERY_MS);
    r.reading(i++);
    const lines = readingLines(r.lines);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ code: 'disk-full', suppressed: 640 });
    expect(lines[1]!.msg).toMatch(/and 640 more since the last line/);
    // Nothing more was kept, and no reading was shown that was not kept.
    expect(r.store.observations(r.svc.view().sessionId!)).toHaveLength(stored);
    expect(r.events.filter((e) => e.name === 'reading')).toHaveLength(stored);

    // The last free bytes taken by small audit lines, so that the PIN's own audit line cannot be written either.
    let full = false;
    for (let k = 0; k < 10_000 && !full; k++) {
      try {
        r.store.audit({ actor: 'system', action: 'incident', detail: { detail: 'filler' } });
      } catch (err) {
        full = (err as { code?: string }).code === 'disk-full';
      }
    }
    expect(full).toBe(true);
    // The assistant comes: the PIN check does not fail because its audit line cannot be written.
    const view = await r.svc.unlockAssistant('1234');
    expect(view.assistant).toBe(true);
    expect(view.storeFault).toBe('disk-full');
    await expect(r.svc.unlockAssistant('0000')).rejects.toMatchObject({ code: 'wrong-pin' });
    expect(r.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('an audit line (assistant-unlock) could not be stored'))).toBe(true);
    // Locked again, the patient can still call the assistant, and the assistant still answer.
    r.svc.lockAssistant();
    expect(r.svc.help().help).not.toBeNull();
    expect(r.svc.helpAnswered().help).toBeNull();
  });

  it('the notice clears once the disk has room again, with no reading coming, from a write tried every few seconds only', () => {
    const r = fullRig();
    fill(r);
    const sessions = () => r.events.filter((e) => e.name === 'session').map((e) => e.payload as { storeFault?: string });
    // Still full: the tries fail and the notice stays.
    r.advance(PROBE_EVERY_MS);
    r.svc.tick();
    expect(r.svc.view().storeFault).toBe('disk-full');
    // Room again (someone freed space: here the filler lines go, from another connection); no reading comes.
    const other = new Database(r.store.file);
    expect(other.prepare("DELETE FROM audit WHERE detail LIKE '%filler%'").run().changes).toBeGreaterThan(0);
    other.close();
    // The one-second tick does not write at each call: not before the next try is due.
    r.advance(1000);
    r.svc.tick();
    expect(r.svc.view().storeFault).toBe('disk-full');
    r.advance(PROBE_EVERY_MS - 1000);
    r.svc.tick();
    expect(r.svc.view().storeFault).toBeUndefined();
    expect(sessions().at(-1)?.storeFault).toBeUndefined();
    // The try that went through is the audit line that says so, and the log says the store writes again.
    expect(r.store.auditTrail({ action: 'incident' }).filter((a) => JSON.stringify(a.detail).includes('has room again'))).toHaveLength(1);
    expect(r.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('the store writes again'))).toBe(true);
  });
});

describe('disk nearly full: room for a small line, none for a reading', () => {
  it('the notice stays while readings keep failing, though the small try goes through; it clears once they stop', () => {
    const r = fullRig();
    let i = readUntilFull(r);
    const stored = r.store.observations(r.svc.view().sessionId!).length;
    // The review's case, for real: a small audit line still fits (the old probe went through), a reading does not.
    const probe = r.store.audit({ actor: 'system', action: 'incident', detail: { detail: 'still a little room' } });
    expect(probe).toBeGreaterThan(0);
    const notices = () => r.events.filter((e) => e.name === 'session').map((e) => (e.payload as { storeFault?: string }).storeFault ?? null);
    const before = notices().length;
    // Twenty seconds of the oximeter at 64/s with cabin main's one-second tick: every reading is refused.
    for (let s = 0; s < 20; s++) {
      for (let k = 0; k < 64; k++) {
        r.reading(i++);
        r.advance(1000 / 64);
      }
      r.svc.tick();
      expect(r.svc.view().storeFault).toBe('disk-full');
    }
    expect(r.store.observations(r.svc.view().sessionId!)).toHaveLength(stored);
    // The notice never went away and came back, and no line says there is room while readings are refused.
    expect(notices().slice(before).filter((f) => f !== 'disk-full')).toEqual([]);
    expect(r.store.auditTrail({ action: 'incident' }).filter((a) => JSON.stringify(a.detail).includes('has room again'))).toHaveLength(0);
    // The patient left (no reading comes): the try every few seconds clears it.
    r.advance(PROBE_EVERY_MS);
    r.svc.tick();
    expect(r.svc.view().storeFault).toBeUndefined();
    expect(r.store.auditTrail({ action: 'incident' }).filter((a) => JSON.stringify(a.detail).includes('has room again'))).toHaveLength(1);
  });
});
