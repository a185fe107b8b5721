import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PastConsultationsAnswerSchema } from '../../src/shared/past-consultations.ts';
import { activeConsultation, apply, cabinToken, doctorToken, DR_A, startHub, type TestHub } from './helpers.ts';

/** The doctor's downloads: `GET /api/consultations/:id/fhir` and `…/report.pdf`. */
let t: TestHub;
let id: string;
let sockets: { close(): void }[] = [];
beforeAll(async () => {
  t = await startHub();
  const c = await activeConsultation(t, 'cab-1', 'dr.a');
  id = c.id;
  const now = Date.now();
  await t.hub.store.addReadings(id, [
    { id: 'r1', deviceId: 'ble-thermometer@ble:A4:C1:38:01:02:03', code: 'MDC_TEMP_EAR', value: 37.6, unit: 'Cel', t: now, measurementId: 'th1', decimals: 2 },
    { id: 'r2', deviceId: 'contec-cms50-v7@/dev/ttyUSB0', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: now },
  ]);
  // Kept open during the tests: a side leaving adds an incident to the report, so the Bundle would change between requests.
  sockets = [c.cabin, c.doc];
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

const get = async (path: string, who?: string) => {
  const headers: Record<string, string> = who ? { authorization: `Bearer ${who.startsWith('cab') ? await cabinToken(t, who) : await doctorToken(t, who)}` } : {};
  return fetch(`${t.hub.url}${path}`, { headers });
};

describe('the consultation’s FHIR Bundle and report PDF, for its doctor', () => {
  it('the doctor downloads the Bundle (valid FHIR JSON, the decimals kept) and the PDF that names its hash', async () => {
    const fhir = await get(`/api/consultations/${id}/fhir`, 'dr.a');
    expect(fhir.status).toBe(200);
    expect(fhir.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(fhir.headers.get('content-disposition')).toBe(`attachment; filename="consultation-${id}.fhir.json"`);
    expect(fhir.headers.get('cache-control')).toMatch(/no-store/);
    const text = await fhir.text();
    const bundle = JSON.parse(text) as { resourceType: string; entry: { resource: { resourceType: string; status?: string } }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(text).toContain('"value":37.60');
    // An open consultation: its report is preliminary.
    expect(bundle.entry.find((e) => e.resource.resourceType === 'Composition')?.resource.status).toBe('preliminary');
    const hash = createHash('sha256').update(text).digest('hex');

    const pdf = await get(`/api/consultations/${id}/report.pdf`, 'dr.a');
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = join(t.dir, 'r.pdf');
    writeFileSync(file, bytes);
    const out = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(out.status, 'pdftotext (poppler-utils): bash scripts/setup.sh').toBe(0);
    expect(out.stdout.replace(/\s+/g, '')).toContain(hash);
    expect(out.stdout).toContain('37,60');
  });

  it('nobody else gets them: no token 401, a cabin or another doctor 403, an unknown consultation 404, POST 405', async () => {
    for (const kind of ['fhir', 'report.pdf']) {
      expect((await get(`/api/consultations/${id}/${kind}`)).status).toBe(401);
      expect((await get(`/api/consultations/${id}/${kind}`, 'cab-1')).status).toBe(403);
      const other = await get(`/api/consultations/${id}/${kind}`, 'dr.b');
      expect(other.status).toBe(403);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      expect((await get(`/api/consultations/nope/${kind}`, 'dr.a')).status).toBe(404);
      const post = await fetch(`${t.hub.url}/api/consultations/${id}/${kind}`, { method: 'POST', headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` } });
      expect(post.status).toBe(405);
    }
  });
});

describe('the doctor’s past consultations (GET /api/consultations)', () => {
  it('lists the doctor’s own ended consultations, newest first, with the patient and the FHIR push; no one else’s', async () => {
    const c = await activeConsultation(t, 'cab-2', 'dr.a');
    await t.hub.store.setPatientIdentity(c.id, { birthName: 'Dupont', firstNames: ['Marie'], birthDate: '1941-03-02', sex: 'female', status: 'provisional' }, 'dr.a');
    expect((await apply(t.hub.store, DR_A, { type: 'end', consultationId: c.id, notes: '', readings: [] })).out.next?.state).toBe('ended');
    await Promise.all([c.cabin.close(), c.doc.close()]);
    const list = await get('/api/consultations', 'dr.a');
    expect(list.status).toBe(200);
    const answer = PastConsultationsAnswerSchema.parse(await list.json());
    // The active one (the first describe's) is not listed: only ended consultations.
    expect(answer.consultations.map((x) => x.consultationId)).toEqual([c.id]);
    expect(answer.consultations[0]).toMatchObject({ cabin: { id: 'cab-2' }, patient: { birthName: 'Dupont', firstNames: ['Marie'], status: 'provisional' }, fhirPush: null });
    expect(PastConsultationsAnswerSchema.parse(await (await get('/api/consultations', 'dr.b')).json()).consultations).toEqual([]);
    expect((await get('/api/consultations', 'cab-3')).status).toBe(403);
    expect((await get('/api/consultations')).status).toBe(401);
  });
});
