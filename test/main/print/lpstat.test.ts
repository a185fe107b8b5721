import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob, jobStatus, parseJobs, parsePrinter, printerState, problemOf } from '../../../src/main/print/lpstat.ts';

/**
 * lpstat's output, parsed. The fixtures are what CUPS 2.4's lpstat printed (LC_ALL=C) against the private cupsd and
 * cups-pdf queue of test/helpers/private-cups.ts: an idle queue, one printing, one stopped with `cupsdisable` (and
 * `-r paper`), one rejecting jobs; jobs waiting, printing, completed and cancelled. cups-pdf never runs out of paper:
 * the media-empty and media-jam fixtures are the stopped queue's output with the Alerts line a real printer's backend
 * sets (printer-state-reasons, RFC 8011).
 */
const LONG_TAIL =
  '\tForm mounted:\n\tContent types: any\n\tPrinter types: unknown\n\tDescription: CabinPDF\n\tAlerts: ALERTS\n\tLocation: \n\tConnection: direct\n\tInterface: /etc/cups/ppd/CabinPDF.ppd\n\tOn fault: no alert\n\tAfter fault: continue\n\tUsers allowed:\n\t\t(all)\n\tForms allowed:\n\t\t(none)\n\tBanner required\n\tCharset sets:\n\t\t(none)\n\tDefault pitch:\n\tDefault page size:\n\tDefault port settings:\n';
const tail = (alerts: string) => LONG_TAIL.replace('ALERTS', alerts);
const PRINTER = {
  idle: `printer CabinPDF is idle.  enabled since Mon Dec  7 05:49:03 2026\n${tail('none')}`,
  printing: `printer CabinPDF now printing CabinPDF-1.  enabled since Mon Dec  7 05:49:03 2026\n${tail('none')}`,
  disabled: `printer CabinPDF disabled since Mon Dec  7 05:49:10 2026 -\n\tPaused\n${tail('paused')}`,
  disabledPaper: `printer CabinPDF disabled since Mon Dec  7 05:48:36 2026 -\n\tpaper\n${tail('paused')}`,
  rejecting: `printer CabinPDF is idle.  enabled since Mon Dec  7 05:49:13 2026\n\tRejecting Jobs\n${tail('none')}`,
  short: 'printer CabinPDF disabled since Mon Dec  7 05:48:36 2026 -\n\tpaper\n',
  // A raw queue on socket://127.0.0.1:9 (nobody listens): the backend retries, the queue says it prints.
  unreachable: `printer CabinPDF now printing CabinPDF-1.  enabled since Mon Dec  7 06:02:52 2026\n\tThe printer may not exist or is unavailable at this time.\n${tail('none')}`,
  // Made from the above (see the comment at the top).
  mediaEmpty: `printer CabinPDF disabled since Mon Dec  7 05:49:10 2026 -\n\tMedia tray empty\n${tail('media-empty-error paused')}`,
  mediaJam: `printer CabinPDF is idle.  enabled since Mon Dec  7 05:49:03 2026\n${tail('media-jam-error')}`,
  lowToner: `printer CabinPDF now printing CabinPDF-1.  enabled since Mon Dec  7 05:49:03 2026\n${tail('toner-low-warning')}`,
};
const JOBS = {
  notCompleted: 'CabinPDF-1              root              1024   Mon Dec  7 05:48:31 2026\n\tAlerts: job-printing\n\tqueued for CabinPDF\n',
  heldOnStopped: 'CabinPDF-2              root              1024   Mon Dec  7 05:49:10 2026\n\tAlerts: none\n\tqueued for CabinPDF\n',
  completed:
    'CabinPDF-2              root              1024   Mon Dec  7 05:49:10 2026\n\tAlerts: processing-to-stop-point\n\tqueued for CabinPDF\nCabinPDF-1              root              1024   Mon Dec  7 05:49:03 2026\n\tStatus: \n\tAlerts: processing-to-stop-point\n\tqueued for CabinPDF\n',
  short: 'CabinPDF-1              root              1024   Mon Dec  7 05:48:32 2026\n',
};

describe('parsePrinter', () => {
  it('reads the queue’s state, its message and its reasons', () => {
    expect(parsePrinter(PRINTER.idle, 'CabinPDF')).toEqual({ enabled: true, alerts: [], message: '', said: 'printer CabinPDF is idle. enabled since Mon Dec 7 05:49:03 2026' });
    expect(parsePrinter(PRINTER.printing, 'CabinPDF')?.enabled).toBe(true);
    expect(parsePrinter(PRINTER.disabled, 'CabinPDF')).toEqual({
      enabled: false,
      alerts: ['paused'],
      message: 'Paused',
      said: 'printer CabinPDF disabled since Mon Dec 7 05:49:10 2026 - Paused',
    });
    expect(parsePrinter(PRINTER.unreachable, 'CabinPDF')?.message).toBe('The printer may not exist or is unavailable at this time.');
    expect(parsePrinter(PRINTER.disabledPaper, 'CabinPDF')?.said).toBe('printer CabinPDF disabled since Mon Dec 7 05:48:36 2026 - paper');
    expect(parsePrinter(PRINTER.rejecting, 'CabinPDF')?.said).toMatch(/ Rejecting Jobs$/);
    expect(parsePrinter(PRINTER.short, 'CabinPDF')).toEqual({ enabled: false, alerts: [], message: 'paper', said: 'printer CabinPDF disabled since Mon Dec 7 05:48:36 2026 - paper' });
    expect(parsePrinter(PRINTER.mediaEmpty, 'CabinPDF')?.alerts).toEqual(['media-empty-error', 'paused']);
  });

  it('the queue whatever the case the config spells it in (CUPS compares names without case)', () => {
    expect(parsePrinter(PRINTER.disabled, 'cabinpdf')).toMatchObject({ enabled: false, alerts: ['paused'] });
    expect(parsePrinter(PRINTER.idle, 'CABINPDF')?.enabled).toBe(true);
    expect(parsePrinter(PRINTER.idle, 'cabinpd')).toBeNull();
  });

  it('null for what does not describe this queue (another one, an error, nothing)', () => {
    expect(parsePrinter(PRINTER.idle, 'Other')).toBeNull();
    expect(parsePrinter(PRINTER.idle, 'Cabin')).toBeNull();
    expect(parsePrinter('', 'CabinPDF')).toBeNull();
    expect(parsePrinter('lpstat: Invalid destination name in list "CabinPDF".\n', 'CabinPDF')).toBeNull();
    expect(parsePrinter('\u0000\ufffd garbage\n\n\t\t', 'CabinPDF')).toBeNull();
  });
});

describe('problemOf: the trouble the assistant can act on', () => {
  const of = (out: string) => problemOf(parsePrinter(out, 'CabinPDF')!);
  it('paper before jam before offline before stopped; none for a printer that prints or only warns', () => {
    expect(of(PRINTER.idle)).toBeUndefined();
    expect(of(PRINTER.printing)).toBeUndefined();
    expect(of(PRINTER.lowToner)).toBeUndefined();
    expect(of(PRINTER.rejecting)).toBeUndefined();
    expect(of(PRINTER.disabled)).toBe('stopped');
    expect(of(PRINTER.disabledPaper)).toBe('stopped');
    expect(of(PRINTER.mediaEmpty)).toBe('paper');
    expect(of(PRINTER.mediaJam)).toBe('jam');
    expect(of(PRINTER.unreachable)).toBe('offline');
    expect(problemOf({ enabled: true, alerts: ['offline-report'] })).toBe('offline');
    expect(problemOf({ enabled: true, alerts: ['media-needed'] })).toBe('paper');
    expect(problemOf({ enabled: true, alerts: ['cover-open-error'] })).toBe('stopped');
    expect(problemOf({ enabled: true, alerts: ['media-jam-error', 'media-empty-error'] })).toBe('paper');
  });

  it('connecting-to-device alone is no trouble (every network job passes through it); unreachable words still are', () => {
    expect(problemOf({ enabled: true, alerts: ['connecting-to-device'] })).toBeUndefined();
    expect(problemOf({ enabled: true, alerts: ['connecting-to-device'], message: 'Connecting to printer.' })).toBeUndefined();
    expect(problemOf({ enabled: true, alerts: ['connecting-to-device'], message: 'The printer may not exist or is unavailable at this time.' })).toBe('offline');
    expect(problemOf({ enabled: true, alerts: ['connecting-to-device', 'timed-out'] })).toBe('offline');
  });
});

describe('parseJobs', () => {
  it('the jobs with their reasons, in lpstat’s order', () => {
    expect(parseJobs(JOBS.notCompleted)).toEqual([{ id: 'CabinPDF-1', alerts: ['job-printing'] }]);
    expect(parseJobs(JOBS.heldOnStopped)).toEqual([{ id: 'CabinPDF-2', alerts: [] }]);
    expect(parseJobs(JOBS.completed)).toEqual([
      { id: 'CabinPDF-2', alerts: ['processing-to-stop-point'] },
      { id: 'CabinPDF-1', alerts: ['processing-to-stop-point'] },
    ]);
    expect(parseJobs(JOBS.short)).toEqual([{ id: 'CabinPDF-1', alerts: [] }]);
    expect(parseJobs('')).toEqual([]);
    expect(parseJobs('lpstat: Invalid destination name in list "CabinPDF".\n\tnonsense\n')).toEqual([]);
  });
});

describe('jobStatus and cancelJob, with stand-in lpstat and cancel', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lpstat-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fake lpstat answering each question (its arguments) from files; a fake cancel recording its own. */
  function fake(answers: { notCompleted?: string; completed?: string; printer?: string; fail?: boolean }) {
    for (const [k, v] of Object.entries(answers)) if (typeof v === 'string') writeFileSync(join(dir, k), v);
    const lpstat = join(dir, 'lpstat');
    writeFileSync(
      lpstat,
      `#!/bin/sh
echo "LC_ALL=$LC_ALL $*" >> "${dir}/calls"
${answers.fail ? 'echo "lpstat: Bad file descriptor" >&2; exit 1' : ''}
case "$*" in
  *not-completed*) cat "${dir}/notCompleted" ;;
  *completed*) cat "${dir}/completed" ;;
  *-p*) cat "${dir}/printer" ;;
esac
`,
    );
    const cancel = join(dir, 'cancel');
    writeFileSync(cancel, `#!/bin/sh\necho "$*" > "${dir}/cancelled"\n[ "$3" = CabinPDF-9 ] && { echo "cancel: cancel-job failed: Job #9 does not exist." >&2; exit 1; }\nexit 0\n`);
    chmodSync(lpstat, 0o755);
    chmodSync(cancel, 0o755);
    rmSync(join(dir, 'calls'), { force: true });
    return { printer: 'CabinPDF', server: '127.0.0.1:6631', lpstat, cancel };
  }

  it('pending with the printer’s trouble (or its state unknown, or connecting); completed; cancelled is a failure, in neither list is gone; lpstat failing is unknown', async () => {
    const waiting = fake({ notCompleted: JOBS.heldOnStopped, printer: PRINTER.mediaEmpty });
    expect(await jobStatus(waiting, 'CabinPDF-2')).toEqual({
      job: 'pending',
      problem: 'paper',
      said: 'printer CabinPDF disabled since Mon Dec 7 05:49:10 2026 - Media tray empty',
    });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    // The C locale, the server, the long listing of this queue's jobs, then the queue's state.
    expect(calls).toEqual(['LC_ALL=C -h 127.0.0.1:6631 -l -W not-completed -o CabinPDF', 'LC_ALL=C -h 127.0.0.1:6631 -l -p CabinPDF']);

    expect(await jobStatus(fake({ notCompleted: JOBS.notCompleted, printer: PRINTER.printing }), 'CabinPDF-1')).toEqual({
      job: 'pending',
      said: 'printer CabinPDF now printing CabinPDF-1. enabled since Mon Dec 7 05:49:03 2026; job: job-printing',
    });
    // The printer's state unknown this time (lpstat -p failing): said, so that the follow does not take it for « no trouble ».
    const blindPrinter = fake({ notCompleted: JOBS.notCompleted });
    writeFileSync(blindPrinter.lpstat, readFileSync(blindPrinter.lpstat, 'utf8').replace('*-p*) cat', '*-p*) echo "lpstat: Bad file descriptor" >&2; exit 1; cat'));
    expect(await jobStatus(blindPrinter, 'CabinPDF-1')).toEqual({ job: 'pending', printerUnknown: true, said: 'the printer’s state is unknown; job: job-printing' });
    // A network printer the backend is connecting to: no trouble yet, but said (the follow calls it offline if it lasts).
    const connecting = PRINTER.printing.replace('Alerts: none', 'Alerts: connecting-to-device');
    expect(await jobStatus(fake({ notCompleted: JOBS.notCompleted, printer: connecting }), 'CabinPDF-1')).toMatchObject({ job: 'pending', connecting: true });
    expect(await jobStatus(fake({ notCompleted: JOBS.notCompleted, printer: connecting.replace('\tForm', '\tThe printer is unreachable at this time.\n\tForm') }), 'CabinPDF-1')).toEqual({
      job: 'pending',
      problem: 'offline',
      said: expect.stringMatching(/unreachable at this time\.; job: job-printing$/),
    });
    expect(await jobStatus(fake({ notCompleted: '', completed: JOBS.completed }), 'CabinPDF-1')).toEqual({ job: 'completed' });
    const cancelled = JOBS.completed.replace('processing-to-stop-point\n\tqueued', 'job-canceled-by-user processing-to-stop-point\n\tqueued');
    expect(await jobStatus(fake({ notCompleted: '', completed: cancelled }), 'CabinPDF-2')).toEqual({ job: 'failed', said: 'job CabinPDF-2 ended: job-canceled-by-user' });
    // In neither list (CUPS keeps no job history, or purged it): it left the queue, printed or cancelled there; never « failed ».
    const gone = { job: 'gone', said: 'CUPS no longer lists job CabinPDF-7: it keeps no job history (or purged it), so it printed or was cancelled there' };
    expect(await jobStatus(fake({ notCompleted: JOBS.notCompleted, completed: JOBS.completed }), 'CabinPDF-7')).toEqual(gone);
    expect(await jobStatus(fake({ notCompleted: '', completed: '' }), 'CabinPDF-7')).toEqual(gone);
    expect(await jobStatus(fake({ fail: true }), 'CabinPDF-1')).toEqual({ job: 'unknown', said: 'lpstat: Bad file descriptor' });
    expect(await jobStatus({ printer: 'CabinPDF', lpstat: join(dir, 'none') }, 'CabinPDF-1')).toEqual({ job: 'unknown', said: `${join(dir, 'none')} is not installed (apt-get install cups-client)` });
    expect(await printerState({ printer: 'CabinPDF', lpstat: join(dir, 'none') })).toBeNull();
  });

  it('finds the job by its number when lp spelt the queue in the config’s case, not lpstat’s', async () => {
    expect(await jobStatus(fake({ notCompleted: JOBS.heldOnStopped, printer: PRINTER.disabled }), 'cabinpdf-2')).toMatchObject({ job: 'pending', problem: 'stopped' });
    expect(await jobStatus(fake({ notCompleted: '', completed: JOBS.completed }), 'cabinpdf-1')).toEqual({ job: 'completed' });
    // Another job's number is not this one.
    expect(await jobStatus(fake({ notCompleted: JOBS.heldOnStopped, completed: JOBS.completed }), 'CabinPDF-12')).toMatchObject({ job: 'gone' });
  });

  it('never gives cancel (nor lpstat) what is no job id: an option, a blank, nothing', async () => {
    const t = fake({ notCompleted: JOBS.notCompleted });
    rmSync(join(dir, 'cancelled'), { force: true });
    for (const odd of ['-a', '--help', '-h', 'CabinPDF-1 -a', '', 'CabinPDF', '-x-1', 'a/b-1']) {
      expect(await cancelJob(t, odd)).toMatchObject({ ok: false, message: expect.stringMatching(/is no CUPS job id: not cancelled$/) });
      expect(await jobStatus(t, odd)).toMatchObject({ job: 'failed', said: expect.stringMatching(/is no CUPS job id$/) });
    }
    expect(() => readFileSync(join(dir, 'cancelled'), 'utf8')).toThrow();
    expect(() => readFileSync(join(dir, 'calls'), 'utf8')).toThrow();
  });

  it('cancel -h SERVER JOB, and what cancel said when it could not', async () => {
    const t = fake({});
    expect(await cancelJob(t, 'CabinPDF-2')).toEqual({ ok: true });
    expect(readFileSync(join(dir, 'cancelled'), 'utf8').trim()).toBe('-h 127.0.0.1:6631 CabinPDF-2');
    expect(await cancelJob(t, 'CabinPDF-9')).toEqual({ ok: false, message: 'cancel: cancel-job failed: Job #9 does not exist.' });
  });
});
