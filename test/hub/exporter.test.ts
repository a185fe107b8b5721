import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineExporter, WorkerExporter } from '../../src/hub/fhir/exporter.ts';
import type { ReportReading } from '../../src/shared/hub-protocol.ts';
import { activeConsultation, doctorToken, startHub, type TestHub } from './helpers.ts';

/** Ten minutes of oximetry (SpO2 and pulse each second): an export that takes a second or more of CPU. */
function oximetry(t0: number, seconds: number): ReportReading[] {
  const out: ReportReading[] = [];
  for (let s = 0; s < seconds; s++) {
    out.push({ id: `s${s}`, deviceId: 'contec-cms50-v7@/dev/ttyUSB0', code: 'MDC_PULS_OXIM_SAT_O2', value: 95 + (s % 4), unit: '%', t: t0 + s * 1000 });
    out.push({ id: `p${s}`, deviceId: 'contec-cms50-v7@/dev/ttyUSB0', code: 'MDC_PULS_OXIM_PULS_RATE', value: 60 + (s % 30), unit: '/min', t: t0 + s * 1000 });
  }
  return out;
}

let t: TestHub;
let id: string;
let sockets: { close(): void }[] = [];
beforeAll(async () => {
  t = await startHub();
  const c = await activeConsultation(t, 'cab-1', 'dr.a');
  id = c.id;
  const readings = oximetry(Date.now() - 600_000, 600);
  for (let i = 0; i < readings.length; i += 500) await t.hub.store.addReadings(id, readings.slice(i, i + 500));
  sockets = [c.cabin, c.doc];
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

describe('the exports run in a worker thread, off the hub’s event loop', () => {
  it('while a long consultation’s Bundle is made, the hub’s event loop is never held up for it', async () => {
    const token = await doctorToken(t, 'dr.a');
    // This test's process is the hub: the longest gap between the beats of a 10 ms timer while the download is made.
    let last = performance.now();
    let longestMs = 0;
    const beat = setInterval(() => {
      const now = performance.now();
      longestMs = Math.max(longestMs, now - last);
      last = now;
    }, 10);
    const started = performance.now();
    const r = await fetch(`${t.hub.url}/api/consultations/${id}/fhir`, { headers: { authorization: `Bearer ${token}` } });
    const body = await r.text();
    const took = performance.now() - started;
    clearInterval(beat);
    expect(r.status).toBe(200);
    expect((JSON.parse(body) as { entry: unknown[] }).entry.length).toBeGreaterThan(1200);
    // Made on the hub's own thread, the loop would wait for the whole export (definitions, build, validation, JSON).
    expect(longestMs, `longest delay ${longestMs.toFixed(0)} ms of ${took.toFixed(0)} ms`).toBeLessThan(took / 2);
  }, 120_000);

  it('gives the same bytes as the export made on the calling thread', async () => {
    const worker = new WorkerExporter(t.hub.store);
    try {
      const [a, b] = await Promise.all([worker.fhir(id, { type: 'collection' }), inlineExporter(t.hub.store).fhir(id, { type: 'collection' })]);
      expect(a.ok && b.ok).toBe(true);
      if (a.ok && b.ok) {
        expect(a.hash).toBe(b.hash);
        expect(a.json).toBe(b.json);
      }
      const pdf = await worker.pdf(id, { now: 1_800_000_000_000 });
      expect(pdf.ok && Buffer.from(pdf.pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
      expect(await worker.fhir('no-such-consultation')).toEqual({ ok: false, error: 'not-found' });
    } finally {
      await worker.close();
    }
  }, 120_000);

  it('refuses what it has no room for as busy, and stops an export that runs too long', async () => {
    const full = new WorkerExporter(t.hub.store, { maxQueue: 1 });
    try {
      const runs = await Promise.all([full.fhir(id), full.fhir(id), full.fhir(id), full.fhir(id)]);
      const busy = runs.filter((r) => !r.ok && r.error === 'busy');
      // One made, one waiting, the others refused.
      expect(busy.length).toBe(2);
      expect(runs.filter((r) => r.ok).length).toBe(2);
      expect(busy[0]).toMatchObject({ message: expect.stringContaining('try again') });
    } finally {
      await full.close();
    }
    const slow = new WorkerExporter(t.hub.store, { timeoutMs: 50 });
    try {
      const r = await slow.fhir(id);
      expect(r).toMatchObject({ ok: false, error: 'failed', message: expect.stringContaining('was stopped') });
    } finally {
      await slow.close();
    }
  }, 180_000);
});
