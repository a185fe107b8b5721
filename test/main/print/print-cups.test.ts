import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportPrinter } from '../../../src/main/print/index.ts';
import { printPdf } from '../../../src/main/print/lp.ts';
import { PRINT_TITLE } from '../../../src/main/print/report-printer.ts';
import { silentLogger } from '../../../src/server/log.ts';
import type { SessionView } from '../../../src/shared/bridge.ts';
import { systemClock } from '../../../src/shared/clock.ts';
import type { PrintView } from '../../../src/shared/print.ts';
import { startPrivateCups, until, type PrivateCups } from '../../helpers/private-cups.ts';
import { activeConsultation, startHub, type TestHub } from '../../hub/helpers.ts';

/**
 * End to end on real CUPS: a hub whose doctor ended a consultation (patient identity, a reading, notes); cabin main's
 * printer, configured `auto` on a cups-pdf queue of a private cupsd (loopback port, temp folder), prints the patient's
 * copy when the visit ends; the PDF cups-pdf writes holds the patient's name and the reading.
 */
let cups: PrivateCups;
let t: TestHub;
let id: string;
const made: string[] = [];
let hadOutDir = true;
beforeAll(async () => {
  cups = await startPrivateCups();
  hadOutDir = existsSync(cups.outDir);
  t = await startHub();
  const c = await activeConsultation(t, 'cab-1', 'dr.a');
  id = c.id;
  t.hub.store.addReadings(id, [{ id: 'r1', deviceId: 'ble-thermometer@ble:A4:C1:38:01:02:03', code: 'MDC_TEMP_EAR', value: 37.6, unit: 'Cel', t: Date.now(), measurementId: 'th1', decimals: 2 }]);
  t.hub.store.setPatientIdentity(id, { birthName: 'Dupont', firstNames: ['Marie'], birthDate: '1941-03-02', sex: 'female', status: 'provisional' }, 'dr.a');
  c.doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Contrôle dans un mois.', readings: [] });
  await c.doc.next('ended', (m) => m.ref === 'e');
  c.cabin.close();
  c.doc.close();
}, 60_000);
afterAll(async () => {
  for (const f of made) rmSync(f, { force: true });
  // cups-pdf made the folder for this job: it goes too, if nothing else is in it.
  if (cups && !hadOutDir && existsSync(cups.outDir) && readdirSync(cups.outDir).length === 0) rmSync(cups.outDir, { recursive: true });
  await cups?.stop();
  await t?.close();
});

it('prints the patient’s copy on a cups-pdf queue: the PDF it wrote names the patient and the reading', async () => {
  const started = Date.now();
  const views: PrintView[] = [];
  const incidents: string[] = [];
  const printer = reportPrinter(
    { cabinId: 'cab-1', hub: { url: t.hub.url, cabinKey: t.keys['cab-1']! }, printer: { name: cups.printer, server: cups.server, auto: true } },
    () => t.keys['cab-1']!,
    { emit: (v) => views.push(v), incident: (d) => incidents.push(d), log: silentLogger(), clock: systemClock },
  );
  const session: Omit<SessionView, 'phase'> = { sessionId: 'visit-1', language: 'fr', startedAt: 0, assistant: false, idleWarning: null, readings: [] };
  printer.onSession({ ...session, phase: 'exam' });
  printer.onCall({ state: 'active', consultationId: id, doctorName: 'Dr A', peerPresent: true, polite: false, iceServers: [], error: null });
  printer.onSession({ ...session, phase: 'end' });
  await until(() => ['printing', 'failed'].includes(printer.get().state), 60_000, 'the report was neither printed nor refused');
  expect(printer.get(), incidents.join('\n')).toEqual({ state: 'printing' });
  expect(views.map((v) => v.state)).toEqual(['ready', 'preparing', 'printing']);
  const job = /printed \(CabinPDF-(\d+)\)/.exec(incidents[0] ?? '')?.[1];
  expect(job, incidents[0]).toBeDefined();

  // cups-pdf names its file …-job_N.pdf (N: lp's job number) in the printing user's Out folder.
  let file: string | undefined;
  await until(
    () => {
      const found = existsSync(cups.outDir) ? readdirSync(cups.outDir).find((f) => f.endsWith(`job_${job}.pdf`)) : undefined;
      file = found && join(cups.outDir, found);
      return file !== undefined && statSync(file).mtimeMs >= started - 1000 && statSync(file).size > 0;
    },
    60_000,
    `cups-pdf wrote no job_${job}.pdf in ${cups.outDir}`,
  );
  made.push(file!);
  // Read once cups-pdf has finished writing it (a PDF cut short does not parse).
  let text = spawnSync('pdftotext', ['-layout', file!, '-'], { encoding: 'utf8' });
  await until(() => (text = spawnSync('pdftotext', ['-layout', file!, '-'], { encoding: 'utf8' })).status === 0, 30_000, `pdftotext (poppler-utils: bash scripts/setup.sh) could not read ${file}`);
  expect(text.stdout).toContain('Dupont Marie');
  expect(text.stdout).toContain('37,60');
  expect(text.stdout).toContain('Contrôle dans un mois.');

  // A stopped queue is refused before lp: the job would print once the assistant starts it, after the patient left.
  expect(spawnSync('/usr/sbin/cupsdisable', ['-h', cups.server, cups.printer]).status).toBe(0);
  const stopped = await printPdf({ printer: cups.printer, server: cups.server }, Buffer.from('%PDF-1.7'), PRINT_TITLE);
  expect(stopped.ok ? 'printed' : stopped.message).toMatch(/^the printer is stopped: printer CabinPDF disabled/);
}, 120_000);
