import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BridgeFailure, checkEvent, dispatch, type BridgeHandlers } from '../../src/main/bridge/dispatch.ts';
import { INCIDENT_ALPHABET, INCIDENT_LENGTH, newIncidentId } from '../../src/main/bridge/incident.ts';
import { createLogger } from '../../src/server/log.ts';
import { BridgeErrorSchema, CALLS, type SessionView } from '../../src/shared/bridge.ts';

const view: SessionView = { phase: 'welcome', sessionId: null, language: 'fr', startedAt: null, assistant: false, idleWarning: null, readings: [] };

/** A logger whose JSON lines the test reads back. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ name: 'cabin', level: 'info', destination: stream }), lines };
}

function handlers(over: Partial<BridgeHandlers> = {}): BridgeHandlers {
  const base = Object.fromEntries(Object.keys(CALLS).map((k) => [k, () => view])) as unknown as BridgeHandlers;
  return { ...base, ...over };
}

describe('bridge dispatch', () => {
  it('runs a valid call and returns its value', async () => {
    expect(await dispatch(handlers(), 'session:get', {})).toEqual({ ok: true, value: view });
  });

  it('refuses unknown calls, prototype keys and malformed inputs with clear errors, never a throw', async () => {
    expect(await dispatch(handlers(), 'session:explode', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers(), 'constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers(), 42, {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await dispatch(handlers(), 'session:start', { language: 'de' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringContaining('language') },
    });
    expect(await dispatch(handlers(), 'assistant:unlock', { pin: '12a4' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await dispatch(handlers(), 'session:get', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('passes a refusal through and wraps an unexpected failure', async () => {
    const h = handlers({
      'assistant:unlock': () => {
        throw new BridgeFailure('wrong-pin', 'Wrong PIN.');
      },
      'session:end': () => {
        throw new Error('disk on fire');
      },
    });
    expect(await dispatch(h, 'assistant:unlock', { pin: '0000' })).toEqual({ ok: false, error: { code: 'wrong-pin', message: 'Wrong PIN.' } });
    expect(await dispatch(h, 'session:end', {})).toMatchObject({ ok: false, error: { code: 'internal', incident: expect.stringMatching(/^[A-Z0-9]{6}$/) } });
  });

  it('keeps the text of an unexpected failure in the log, under an incident number: the screen gets only the number', async () => {
    const out = capture();
    const h = handlers({
      'session:end': () => {
        throw Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });
      },
    });
    const r = await dispatch(h, 'session:end', {}, { log: out.log, incidentId: () => 'K7QX4M' });
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: expect.stringContaining('K7QX4M'), incident: 'K7QX4M' } });
    expect(JSON.stringify(r)).not.toContain('SQLITE');
    expect(BridgeErrorSchema.safeParse(!r.ok && r.error).success).toBe(true);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({ level: 50, call: 'session:end', incident: 'K7QX4M', err: { message: 'SQLITE_BUSY: database is locked', code: 'SQLITE_BUSY' } });
  });

  it('a refusal on purpose is not an incident: nothing is logged', async () => {
    const out = capture();
    const h = handlers({
      'session:start': () => {
        throw new BridgeFailure('wrong-phase', 'A visit is in progress already.');
      },
    });
    await dispatch(h, 'session:start', { language: 'fr' }, { log: out.log });
    expect(out.lines).toEqual([]);
  });

  it('incident numbers are 6 characters a person reads aloud without confusion', () => {
    expect(INCIDENT_ALPHABET).not.toMatch(/[0O1IL5S2Z8B]/);
    expect(new Set(INCIDENT_ALPHABET).size).toBe(INCIDENT_ALPHABET.length);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: INCIDENT_LENGTH, maxLength: INCIDENT_LENGTH }), (picks) => {
        let i = 0;
        const id = newIncidentId((max) => picks[i++]! % max);
        expect(id).toHaveLength(INCIDENT_LENGTH);
        for (const ch of id) expect(INCIDENT_ALPHABET).toContain(ch);
      }),
    );
    expect(new Set(Array.from({ length: 200 }, () => newIncidentId())).size).toBeGreaterThan(195);
  });

  it('checks events against the contract', () => {
    expect(checkEvent('session', view)).toBe(true);
    expect(checkEvent('reading', { id: 'x' } as never)).toBe(false);
  });
});
