import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CABIN_REPORT_LIMIT, CABIN_REPORT_WINDOW_MS, cabinReportRefusal } from '../../src/hub/cabin-report-pdf.ts';
import type { Consultation } from '../../src/hub/store/consultations.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { activeConsultation, cabinToken, doctorToken, leap, startHub, type TestHub } from './helpers.ts';

/** The patient's copy: `GET /api/cabin/consultations/:id/report.pdf`, for the consultation's own cabin, shortly after its end. */
const ENDED_AT = 1_700_000_000_000;
const base: Consultation = {
  id: 'c1',
  cabinId: 'cab-1',
  cabinName: 'Cabin 1',
  doctorId: 'dr.a',
  doctorName: 'Dr A',
  language: 'fr',
  state: 'ended',
  createdAt: ENDED_AT - 600_000,
  claimedAt: ENDED_AT - 500_000,
  endedAt: ENDED_AT,
  cabinLeftAt: null,
  cabinLeftReason: null,
  visit: null,
};

describe('who may have the report, and when (cabinReportRefusal)', () => {
  const code = (c: Consultation | null, cabin = 'cab-1', now = ENDED_AT + 1000) => cabinReportRefusal(c, cabin, now)?.code ?? 'ok';
  it('its own ended consultation within the hour; nothing else', () => {
    expect(code(base)).toBe('ok');
    expect(code(base, 'cab-1', ENDED_AT + CABIN_REPORT_WINDOW_MS)).toBe('ok');
    expect(code(base, 'cab-1', ENDED_AT + CABIN_REPORT_WINDOW_MS + 1)).toBe('too-late');
    expect(code(null)).toBe('not-found');
    expect(code(base, 'cab-2')).toBe('forbidden');
    expect(code({ ...base, state: 'active', endedAt: null })).toBe('not-yet');
    expect(code({ ...base, state: 'waiting', doctorId: null, claimedAt: null, endedAt: null })).toBe('not-yet');
    expect(code({ ...base, state: 'cancelled' })).toBe('no-report');
    // Another cabin learns nothing about the state of a consultation that is not its own.
    expect(code({ ...base, state: 'active', endedAt: null }, 'cab-2')).toBe('forbidden');
  });
});

describe('the route on a running hub', () => {
  let t: TestHub;
  const clock = new ManualClock(Date.now());
  let id: string;
  let close: () => void;
  beforeAll(async () => {
    t = await startHub({ clock });
    const c = await activeConsultation(t, 'cab-1', 'dr.a');
    id = c.id;
    await t.hub.store.addReadings(id, [{ id: 'r1', deviceId: 'ble-thermometer@ble:A4:C1:38:01:02:03', code: 'MDC_TEMP_EAR', value: 37.6, unit: 'Cel', t: clock.now(), measurementId: 'th1', decimals: 2 }]);
    await t.hub.store.setPatientIdentity(id, { birthName: 'Dupont', firstNames: ['Marie'], birthDate: '1941-03-02', sex: 'female', status: 'provisional' }, 'dr.a');
    close = () => {
      void c.cabin.close();
      void c.doc.close();
    };
    // Still active: the doctor is writing the notes.
    const early = await get(id, 'cab-1');
    expect(early.status).toBe(409);
    expect(early.headers.get('retry-after')).toBe('10');
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('not-yet');
    c.doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Contrôle dans un mois.', readings: [] });
    await c.doc.next('ended', (m) => m.ref === 'e');
  });
  afterAll(async () => {
    close();
    await t.close();
  });

  async function get(consultation: string, who?: string): Promise<Response> {
    const headers: Record<string, string> = who ? { authorization: `Bearer ${who.startsWith('cab') ? await cabinToken(t, who) : await doctorToken(t, who)}` } : {};
    return fetch(`${t.hub.url}/api/cabin/consultations/${consultation}/report.pdf`, { headers });
  }
  const errorCode = async (r: Response): Promise<string> => ((await r.json()) as { error: { code: string } }).error.code;

  it('its cabin gets the PDF once the doctor ended it: the patient, the reading and the notes in it', async () => {
    const r = await get(id, 'cab-1');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    const file = join(t.dir, 'copy.pdf');
    writeFileSync(file, Buffer.from(await r.arrayBuffer()));
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text.status, 'pdftotext (poppler-utils): bash scripts/setup.sh').toBe(0);
    expect(text.stdout).toContain('Dupont Marie');
    expect(text.stdout).toContain('37,60');
    expect(text.stdout).toContain('Contrôle dans un mois.');
  });

  it('nobody else: no token 401, a doctor or another cabin 403, an unknown consultation 404, POST 405', async () => {
    expect((await get(id)).status).toBe(401);
    const doctor = await get(id, 'dr.a');
    expect(doctor.status).toBe(403);
    const other = await get(id, 'cab-2');
    expect(other.status).toBe(403);
    expect(await errorCode(other)).toBe('forbidden');
    expect((await get('nope', 'cab-1')).status).toBe(404);
    const post = await fetch(`${t.hub.url}/api/cabin/consultations/${id}/report.pdf`, { method: 'POST', headers: { authorization: `Bearer ${await cabinToken(t, 'cab-1')}` } });
    expect(post.status).toBe(405);
  });

  it('limited per cabin: the 30th request within 10 minutes is refused (429, Retry-After), other cabins go on', async () => {
    const token = await cabinToken(t, 'cab-3');
    const statuses: number[] = [];
    for (let i = 0; i < CABIN_REPORT_LIMIT.failures; i++) {
      const r = await fetch(`${t.hub.url}/api/cabin/consultations/nope-${i}/report.pdf`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, -1).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await get('nope', 'cab-2')).status).toBe(404);
  });

  it('too late an hour after the end: 403 too-late', async () => {
    await leap(clock, CABIN_REPORT_WINDOW_MS + 60_000);
    const late = await get(id, 'cab-1');
    expect(late.status).toBe(403);
    expect(await errorCode(late)).toBe('too-late');
  });
});
