import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { followJob } from '../../../src/main/print/follow.ts';
import { reportPrinter } from '../../../src/main/print/index.ts';
import { lp, printPdf } from '../../../src/main/print/lp.ts';
import { cancelJob, jobStatus, parseJobs } from '../../../src/main/print/lpstat.ts';
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
 * copy when the visit ends and follows the job until CUPS completed it; the PDF cups-pdf writes holds the patient's
 * name and the reading. Then the queue stopped (`cupsdisable`): a job held there is cancelled at the follow's limit.
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
  await t.hub.store.addReadings(id, [{ id: 'r1', deviceId: 'ble-thermometer@ble:A4:C1:38:01:02:03', code: 'MDC_TEMP_EAR', value: 37.6, unit: 'Cel', t: Date.now(), measurementId: 'th1', decimals: 2 }]);
  await t.hub.store.setPatientIdentity(id, { birthName: 'Dupont', firstNames: ['Marie'], birthDate: '1941-03-02', sex: 'female', status: 'provisional' }, 'dr.a');
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
  await until(() => ['printed', 'still-printing', 'failed'].includes(printer.get().state), 60_000, 'the report was neither printed nor refused');
  expect(printer.get(), incidents.join('\n')).toEqual({ state: 'printed' });
  expect(views.map((v) => v.state)).toEqual(['ready', 'preparing', 'printing', 'printed']);
  const job = /sent to the printer \(CabinPDF-(\d+)\)/.exec(incidents[0] ?? '')?.[1];
  expect(incidents[1]).toBe(`report of consultation ${id} printed (CabinPDF-${job} completed)`);
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
  expect(stopped.ok || stopped.problem).toBe('stopped');
}, 120_000);

it('a job held by a stopped queue is followed to a short limit, said stopped, and cancelled: it never prints later', async () => {
  const target = { printer: cups.printer, server: cups.server };
  // The queue stopped after lp took the job (the kiosk checks before lp: here lp is asked directly).
  expect(spawnSync('/usr/sbin/cupsdisable', ['-h', cups.server, cups.printer]).status).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), 'cabin-held-'));
  const file = join(dir, 'held.txt');
  writeFileSync(file, 'A report that must not come out later.\n');
  const taken = await lp(target, file, PRINT_TITLE);
  rmSync(dir, { recursive: true, force: true });
  expect(taken.ok, taken.ok ? '' : taken.message).toBe(true);
  const job = taken.ok ? taken.job! : '';
  expect(job).toMatch(/^CabinPDF-\d+$/);
  expect(await jobStatus(target, job)).toMatchObject({ job: 'pending', problem: 'stopped', said: expect.stringMatching(/^printer CabinPDF disabled since /) });

  const problems: unknown[] = [];
  const started = Date.now();
  const end = await followJob({
    status: () => jobStatus(target, job),
    cancel: () => cancelJob(target, job),
    onPending: (p) => problems.push(p),
    clock: systemClock,
    everyMs: 200,
    limitMs: 1500,
  }).done;
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(end).toMatchObject({ state: 'failed', problem: 'stopped', cancelled: true, reason: expect.stringMatching(/^held after \d s \(printer CabinPDF disabled since .*\): the job was cancelled$/) });
  expect(problems.length).toBeGreaterThanOrEqual(2);
  expect(new Set(problems)).toEqual(new Set(['stopped']));

  // CUPS no longer holds it: the queue started again prints nothing for it.
  const list = (which: string) => parseJobs(spawnSync('lpstat', ['-h', cups.server, '-l', '-W', which, '-o', cups.printer], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).stdout).map((j) => j.id);
  expect(list('not-completed')).not.toContain(job);
  expect(list('completed')).toContain(job);
  expect(spawnSync('/usr/sbin/cupsenable', ['-h', cups.server, cups.printer]).status).toBe(0);
  await new Promise((r) => setTimeout(r, 1500));
  const n = job.split('-').pop();
  expect(existsSync(cups.outDir) ? readdirSync(cups.outDir).filter((f) => f.endsWith(`job_${n}.pdf`)) : []).toEqual([]);
}, 60_000);

it('a printer nobody can reach (a socket:// queue on a closed port): the job is said offline and cancelled at the limit, not left to print when it answers', async () => {
  const target = { printer: 'CabinGone', server: cups.server };
  const add = spawnSync('/usr/sbin/lpadmin', ['-h', cups.server, '-p', target.printer, '-v', 'socket://127.0.0.1:9', '-m', 'raw', '-E'], { encoding: 'utf8' });
  expect(add.status, add.stderr).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), 'cabin-gone-'));
  const file = join(dir, 'report.txt');
  writeFileSync(file, 'A report for a printer that is not there.\n');
  const taken = await lp(target, file, PRINT_TITLE);
  rmSync(dir, { recursive: true, force: true });
  const job = taken.ok ? taken.job! : taken.message;
  expect(job).toMatch(/^CabinGone-\d+$/);
  const problems: unknown[] = [];
  const end = await followJob({
    status: () => jobStatus(target, job),
    cancel: () => cancelJob(target, job),
    onPending: (p) => problems.push(p),
    clock: systemClock,
    everyMs: 300,
    limitMs: 6000,
  }).done;
  expect(end).toMatchObject({ state: 'failed', problem: 'offline', cancelled: true, reason: expect.stringContaining('The printer may not exist or is unavailable at this time.') });
  expect(problems).toContain('offline');
  const open = spawnSync('lpstat', ['-h', cups.server, '-W', 'not-completed', '-o', target.printer], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  expect(parseJobs(open.stdout).map((j) => j.id)).not.toContain(job);
}, 60_000);

it('a config naming the queue in another case (CUPS ignores it; lp says « cabinpdf-N », lpstat « CabinPDF-N »): a stopped queue is still seen, and a held job still found and cancelled', async () => {
  const target = { printer: cups.printer.toLowerCase(), server: cups.server };
  expect(spawnSync('/usr/sbin/cupsdisable', ['-h', cups.server, cups.printer]).status).toBe(0);
  try {
    // printPdf does not queue a report on the stopped queue, though the config spells it otherwise.
    expect(await printPdf(target, new Uint8Array([0x25, 0x50, 0x44, 0x46]), PRINT_TITLE)).toMatchObject({ ok: false, problem: 'stopped' });
    const dir = mkdtempSync(join(tmpdir(), 'cabin-case-'));
    const file = join(dir, 'held.txt');
    writeFileSync(file, 'A report that must not come out later.\n');
    const taken = await lp(target, file, PRINT_TITLE);
    rmSync(dir, { recursive: true, force: true });
    const job = taken.ok ? taken.job! : taken.message;
    expect(job).toMatch(/^cabinpdf-\d+$/);
    expect(await jobStatus(target, job)).toMatchObject({ job: 'pending', problem: 'stopped' });
    const end = await followJob({ status: () => jobStatus(target, job), cancel: () => cancelJob(target, job), onPending: () => undefined, clock: systemClock, everyMs: 200, limitMs: 600 }).done;
    expect(end).toMatchObject({ state: 'failed', problem: 'stopped', cancelled: true });
    const open = spawnSync('lpstat', ['-h', cups.server, '-W', 'not-completed', '-o', cups.printer], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(parseJobs(open.stdout).map((j) => j.id.split('-').pop())).not.toContain(job.split('-').pop());
  } finally {
    spawnSync('/usr/sbin/cupsenable', ['-h', cups.server, cups.printer]);
  }
}, 60_000);

it('a cupsd that keeps no job history (PreserveJobHistory No) forgets the printed job at once: it is said sent, never « failed »', async () => {
  const started = Date.now();
  const forgetful = await startPrivateCups('CabinPDF', { jobHistory: false });
  const dir = mkdtempSync(join(tmpdir(), 'cabin-nohistory-'));
  try {
    const target = { printer: forgetful.printer, server: forgetful.server };
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'A report printed on a cupsd without job history.\n');
    const taken = await lp(target, file, PRINT_TITLE);
    const job = taken.ok ? taken.job! : taken.message;
    expect(job).toMatch(/^CabinPDF-\d+$/);
    const end = await followJob({
      status: () => jobStatus(target, job),
      cancel: () => cancelJob(target, job),
      onPending: () => undefined,
      clock: systemClock,
      everyMs: 300,
      limitMs: 30_000,
    }).done;
    // It did print: cups-pdf wrote it (found, and left for afterAll to delete, before the outcome is judged).
    const n = job.split('-').pop();
    let found: string | undefined;
    await until(() => (found = existsSync(forgetful.outDir) ? readdirSync(forgetful.outDir).find((f) => f.endsWith(`job_${n}.pdf`) && statSync(join(forgetful.outDir, f)).mtimeMs >= started - 1000) : undefined) !== undefined, 30_000, `cups-pdf wrote no job_${n}.pdf`);
    made.push(join(forgetful.outDir, found!));
    expect(end).toEqual({ state: 'sent', reason: `CUPS no longer lists job ${job}: it keeps no job history (or purged it), so it printed or was cancelled there` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await forgetful.stop();
  }
}, 90_000);
