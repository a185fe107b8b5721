import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fhirHash } from '../../src/hub/fhir/json.ts';
import { FhirPushQueue } from '../../src/hub/fhir/push.ts';
import { HubStore } from '../../src/hub/store.ts';
import type { PatientIdentity } from '../../src/shared/patient-identity.ts';
import { activeStore, apply, DR_A, tempDbs } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const file = tempDbs('hub-cli-export-');

const hub = (args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', ...args], { cwd: ROOT, encoding: 'buffer' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
};

const identity: PatientIdentity = { birthName: 'Dupont', firstNames: ['Marie'], birthDate: '1941-03-02', sex: 'female', ins: { kind: 'nir', value: '241030509300157' }, status: 'qualified' };

/** A hub database with one ended consultation: an oximeter, a cuff, the doctor's notes and the patient's identity. */
async function hubWithConsultation(): Promise<{ db: string; id: string }> {
  const db = file();
  const { store, id } = await activeStore(db);
  const t = Date.UTC(2026, 11, 6, 13, 5);
  await store.addReadings(id, [
    { id: 'r1', deviceId: 'contec-cms50-v7@/dev/ttyUSB0', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t },
    { id: 'r2', deviceId: 'ble-blood-pressure@ble:00:E5:DE:AD:77:C3', code: 'MDC_PRESS_BLD_NONINV_SYS', value: 131, unit: 'mm[Hg]', t: t + 60_000, measurementId: 'm1' },
    { id: 'r3', deviceId: 'ble-blood-pressure@ble:00:E5:DE:AD:77:C3', code: 'MDC_PRESS_BLD_NONINV_DIA', value: 84, unit: 'mm[Hg]', t: t + 60_000, measurementId: 'm1' },
  ]);
  expect(await store.setPatientIdentity(id, identity, 'dr.a')).not.toBeNull();
  expect((await apply(store, DR_A, { type: 'end', consultationId: id, notes: 'Contrôle dans un mois.', readings: [] })).out.next?.state).toBe('ended');
  await store.close();
  return { db, id };
}

// Each run starts the CLI (bin/run-ts.mjs: 1.7–3.5 s on 2 busy cores, from its cached bundle; more when tsx's loader runs it).
describe('hub CLI: export a consultation (FHIR R4 Bundle, report PDF)', { timeout: 120_000 }, () => {
  it('writes the Bundle of a consultation, or of the last one ended, the same both times', async () => {
    const { db, id } = await hubWithConsultation();
    const out = join(resolve(db, '..'), 'c.json');
    const r = hub(['export', '--db', db, '--consultation', id, '--format', 'fhir', '--out', out]);
    expect(r.stderr).toMatch(new RegExp(`consultation ${id}: \\d+ FHIR resources, sha256 [0-9a-f]{64}, written to`));
    expect(r.code).toBe(0);
    const json = readFileSync(out, 'utf8');
    const bundle = JSON.parse(json) as { resourceType: string; type: string; entry: { resource: { resourceType: string; identifier?: { value: string }[] } }[] };
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    expect(bundle.entry.filter((e) => e.resource.resourceType === 'Observation')).toHaveLength(2);
    expect(bundle.entry[0]!.resource.identifier?.[0]?.value).toBe('241030509300157');
    // The hash on stderr is the file's own.
    expect(r.stderr).toContain(fhirHash(JSON.parse(json)));
    const last = hub(['export', '--db', db, '--last', '--format', 'fhir', '--out', '-']);
    expect(last.code).toBe(0);
    expect(last.stdout.toString('utf8')).toBe(json);
  });

  it('writes the report PDF, which names the Bundle it matches', async () => {
    const { db, id } = await hubWithConsultation();
    const fhir = hub(['export', '--db', db, '--consultation', id, '--format', 'fhir', '--out', '-']);
    const hash = /sha256 ([0-9a-f]{64})/.exec(fhir.stderr)?.[1];
    const out = join(resolve(db, '..'), 'c.pdf');
    const r = hub(['export', '--db', db, '--consultation', id, '--format', 'pdf', '--out', out]);
    expect(r.stderr).toContain(`report PDF of the Bundle sha256 ${hash}`);
    expect(r.code).toBe(0);
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spawnSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' });
    expect(text.status, 'pdftotext (poppler-utils) must be installed: bash scripts/setup.sh').toBe(0);
    expect(text.stdout).toMatch(/DUPONT|Dupont/);
    expect(text.stdout).toContain('Contrôle dans un mois.');
    expect(text.stdout.replace(/\s+/g, '')).toContain(hash!);
  });

  it('fhir-status shows what is pending or failed with the server’s answer; fhir-retry queues it again', async () => {
    const { db, id } = await hubWithConsultation();
    const store = await HubStore.open(db);
    const queue = new FhirPushQueue(store);
    expect(await queue.enqueueEnded()).toBe(1);
    await queue.fail(id, 'HTTP 422: error Patient.identifier bad INS', { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
    await store.close();
    const status = hub(['fhir-status', '--db', db]);
    expect(status.code).toBe(0);
    expect(status.stdout.toString('utf8')).toMatch(new RegExp(`${id}  failed  1 attempt\\(s\\)  at .*HTTP 422: error Patient.identifier bad INS\\n  server: \\{"resourceType":"OperationOutcome"`));
    const retry = hub(['fhir-retry', id, '--db', db]);
    expect(retry).toMatchObject({ code: 0 });
    expect(retry.stdout.toString('utf8')).toContain(`${id} queued again`);
    expect(hub(['fhir-status', '--db', db]).stdout.toString('utf8')).toMatch(new RegExp(`${id}  pending  1 attempt\\(s\\)  next try`));
    const unknown = hub(['fhir-retry', 'nope', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/nope is not in the FHIR push queue/);
  });

  it('refuses what it cannot do with a clear message and exit 2, writing nothing', async () => {
    const { db, id } = await hubWithConsultation();
    const out = join(resolve(db, '..'), 'never.json');
    writeFileSync(out, 'untouched');
    const cases: [string[], RegExp][] = [
      [['export', '--db', db, '--consultation', 'nope', '--format', 'fhir', '--out', out], /There is no consultation nope/],
      [['export', '--db', db, '--consultation', id, '--format', 'xml', '--out', out], /--format xml is not fhir or pdf/],
      [['export', '--db', db, '--consultation', id, '--last', '--format', 'fhir', '--out', out], /either --consultation ID or --last/],
      [['export', '--db', db, '--format', 'fhir', '--out', out], /either --consultation ID or --last/],
      [['export', '--db', join(resolve(db, '..'), 'missing.db'), '--last', '--format', 'fhir', '--out', out], /There is no hub database/],
      [['export', '--db', db, '--last', '--format', 'fhir', '--out', '/no/such/folder/x.json'], /folder of \/no\/such\/folder\/x\.json does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = hub(args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    }
    expect(readFileSync(out, 'utf8')).toBe('untouched');
    const empty = file();
    await (await HubStore.open(empty)).close();
    const none = hub(['export', '--db', empty, '--last', '--format', 'fhir', '--out', out]);
    expect(none).toMatchObject({ code: 2 });
    expect(none.stderr).toMatch(/No consultation has ended/);
  });
});
