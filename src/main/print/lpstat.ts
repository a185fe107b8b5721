import { execFile } from 'node:child_process';
import type { PrintProblem } from '../../shared/print.ts';
import type { LpTarget } from './lp.ts';

/**
 * What CUPS says of a queue and of the jobs in it, read from `lpstat` (cups-client) and parsed defensively: no shell,
 * the C locale (lpstat translates its words: « l'imprimante … est inactive » under a French LANG), bounded output
 * and time, and never a throw — what cannot be read is `null` or `unknown`, and the caller keeps asking.
 *
 * The formats, as CUPS 2.4's lpstat prints them (the fixtures of test/main/print/lpstat.test.ts were captured from
 * the private cupsd of test/helpers/private-cups.ts):
 *
 *   $ lpstat -l -p CabinPDF
 *   printer CabinPDF disabled since Mon Dec  7 05:49:10 2026 -
 *   \tPaused                          <- printer-state-message, when there is one
 *   \tForm mounted:                   <- the long listing starts
 *   …
 *   \tAlerts: paused                  <- printer-state-reasons, space separated (`none`)
 *   …
 *
 *   $ lpstat -l -W not-completed -o CabinPDF
 *   CabinPDF-2              root              1024   Mon Dec  7 05:49:10 2026
 *   \tAlerts: none                    <- job-state-reasons
 *   \tqueued for CabinPDF
 *
 * `-W completed` lists the jobs that ended: completed, cancelled and aborted alike (their reasons rarely tell them
 * apart: CUPS 2.4 leaves `processing-to-stop-point` on a completed and on a cancelled job).
 */

/** How long one lpstat or cancel may take, and the most of its output read. */
const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 256 * 1024;

type Run = { ok: true; stdout: string } | { ok: false; message: string };

/** A CUPS client command, with the C locale, no shell. Never throws. */
function run(command: string, args: string[], timeoutMs = TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve) => {
    try {
      execFile(command, args, { timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANG: 'C' } }, (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout: `${stdout}` });
        const said = `${stderr}`.trim().split('\n').slice(-2).join(' ').slice(0, 300);
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} is not installed (apt-get install cups-client)` : err.killed ? `${command} gave no answer within ${timeoutMs / 1000} s` : said || err.message;
        resolve({ ok: false, message: why });
      });
    } catch (err) {
      // execFile throws at once on an argument it cannot pass (a NUL byte).
      resolve({ ok: false, message: `${command} could not be run: ${(err as Error).message}` });
    }
  });
}

const serverArgs = (target: LpTarget): string[] => (target.server ? ['-h', target.server] : []);

/** A queue as `lpstat -l -p NAME` shows it. */
export interface PrinterState {
  /** False when the queue is stopped (cupsdisable, or CUPS stopped it after the printer's error). */
  enabled: boolean;
  /** The printer-state-reasons (`media-empty-error`, `paused`…), `none` left out. */
  alerts: string[];
  /** The printer-state-message (the backend's or cupsdisable's words), '' when none. */
  message: string;
  /** The first line and the state message, for the log and the assistant. */
  said: string;
}

/**
 * CUPS compares queue names without case (ASCII): `lp -d cabinpdf` prints on CabinPDF and says « request id is
 * cabinpdf-1 », while lpstat writes the queue's own spelling (`printer CabinPDF …`, `CabinPDF-1 …`). So a config naming
 * the queue in another case is still the same queue, and a job is found by its number (unique in a CUPS server).
 */
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const sameName = (a: string, b: string): boolean => asciiLower(a) === asciiLower(b);

/** The number of a job id (`CabinPDF-12` → `12`), undefined for what is no job id. */
const jobNumber = (id: string): string | undefined => /-(\d+)$/.exec(id)?.[1]?.replace(/^0+(?=\d)/, '');

/**
 * A job id as lp prints it: a queue name (config.ts's rule: no blank, /, # or \\, not starting with `-`) and its
 * number. Anything else is never given to cancel, where it could be read as an option.
 */
export const isJobId = (job: string): boolean => /^[^\s/#\\-][^\s/#\\]{0,126}-\d{1,10}$/.test(job);

/** The state of `printer` in lpstat's output, or null when the output does not describe it. */
export function parsePrinter(stdout: string, printer: string): PrinterState | null {
  const lines = stdout.split('\n');
  const first = lines.findIndex((l) => {
    const name = /^printer (\S+) /.exec(l)?.[1];
    return name !== undefined && sameName(name, printer);
  });
  if (first < 0) return null;
  const head = lines[first]!.trim().replace(/\s+/g, ' ');
  const rest: string[] = [];
  for (const l of lines.slice(first + 1)) {
    if (!/^\s/.test(l)) break; // the next printer
    rest.push(l.trim());
  }
  const long = rest.findIndex((l) => l.startsWith('Form mounted:'));
  const message = (long < 0 ? rest : rest.slice(0, long)).filter((l) => l !== '');
  return {
    enabled: !/^printer \S+ disabled/.test(head),
    alerts: alertsOf(rest),
    message: message.join(' ').slice(0, 300),
    said: [head, ...message].join(' ').slice(0, 300),
  };
}

/** The reasons of an `Alerts:` line among a printer's or a job's indented lines. */
function alertsOf(indented: string[]): string[] {
  const line = indented.find((l) => l.startsWith('Alerts:'));
  if (!line) return [];
  return line
    .slice('Alerts:'.length)
    .split(/[\s,]+/)
    .filter((a) => /^[a-z0-9-]+$/.test(a) && a !== 'none');
}

/** A job as `lpstat -l -o` lists it. */
export interface JobLine {
  id: string;
  alerts: string[];
}

/** The jobs of lpstat's `-o` output (its lines that start without a blank, `QUEUE-N …`), with their reasons. */
export function parseJobs(stdout: string): JobLine[] {
  const jobs: JobLine[] = [];
  let indented: string[] = [];
  const close = (): void => {
    const last = jobs.at(-1);
    if (last) last.alerts = alertsOf(indented);
    indented = [];
  };
  for (const l of stdout.split('\n')) {
    if (l.trim() === '') continue;
    if (/^\s/.test(l)) {
      indented.push(l.trim());
      continue;
    }
    close();
    const id = /^(\S+-\d+)\s/.exec(`${l} `)?.[1];
    if (id) jobs.push({ id, alerts: [] });
  }
  close();
  return jobs;
}

/**
 * CUPS's backends (socket, ipp, usb) say a printer they cannot reach in the state message only, with no reason: the
 * queue stays « now printing » and the job waits, to print whenever the printer answers again. Their English words
 * (cupsd's locale; the kiosk's own lpstat runs in C), as CUPS 2.4's backends write them; the private cupsd of the
 * tests says the first for a socket:// queue nobody listens to.
 */
const UNREACHABLE = [
  /may not exist or is unavailable/i,
  /unable to (connect|locate|open|contact)/i,
  /not (currently )?connected/i,
  /not responding/i,
  /unreachable/i,
  /waiting for printer to become available/i,
];

/**
 * The printer's trouble in the words the assistant can act on, from the queue's state and reasons (RFC 8011
 * printer-state-reasons, with or without their -error / -warning / -report suffix) and, for a printer that cannot be
 * reached, its state message (UNREACHABLE); undefined when it may print. Warnings (media-low, toner-low) are no
 * trouble: the job goes on.
 */
export function problemOf(state: Pick<PrinterState, 'enabled' | 'alerts'> & { message?: string }): PrintProblem | undefined {
  const reasons = state.alerts.filter((a) => !a.endsWith('-warning')).map((a) => a.replace(/-(error|report)$/, ''));
  const has = (...names: string[]): boolean => reasons.some((r) => names.includes(r));
  if (has('media-empty', 'media-needed')) return 'paper';
  if (has('media-jam')) return 'jam';
  // Not connecting-to-device: every job to a network printer passes through it for a moment (the backend opening its
  // connection); the follow calls the printer offline only when it lasts (follow.ts), and a backend that cannot reach
  // the printer says so in the state message anyway (UNREACHABLE).
  if (has('offline', 'timed-out')) return 'offline';
  if (!state.enabled || has('paused', 'stopped', 'shutdown') || state.alerts.some((a) => a.endsWith('-error'))) return 'stopped';
  if (UNREACHABLE.some((re) => re.test(state.message ?? ''))) return 'offline';
  return undefined;
}

/** The queue's state (`lpstat -l -p NAME`), or null when lpstat cannot tell (not installed, no cupsd, no such queue). */
export async function printerState(target: LpTarget, timeoutMs = TIMEOUT_MS): Promise<PrinterState | null> {
  const r = await run(target.lpstat ?? 'lpstat', [...serverArgs(target), '-l', '-p', target.printer], timeoutMs);
  return r.ok ? parsePrinter(r.stdout, target.printer) : null;
}

/** Whether the printer is connecting to the device (`connecting-to-device`, with or without a suffix). */
export const isConnecting = (state: Pick<PrinterState, 'alerts'>): boolean => state.alerts.some((a) => a.replace(/-(error|warning|report)$/, '') === 'connecting-to-device');

/**
 * Where a job CUPS accepted stands:
 * - pending: still in the queue (waiting, held or printing), with the printer's trouble if it has one; `printerUnknown`
 *   when `lpstat -p` could not tell the printer's state this time (no trouble seen is then not « no trouble »);
 *   `connecting` when the printer's only news is connecting-to-device (no trouble yet: follow.ts decides when it lasts);
 * - completed: CUPS lists it among the ended jobs and its reasons name no cancel nor abort;
 * - failed: cancelled, aborted or ended with errors, as CUPS's reasons say;
 * - gone: in neither list: CUPS keeps no job history (PreserveJobHistory No) or purged it. lp accepted it and it is no
 *   longer in the queue, so it will not print later: it printed, or someone cancelled it; nobody can tell which (never
 *   a failure: the patient would be offered a second copy of a report that may lie in the tray);
 * - unknown: lpstat could not tell this time (no cupsd, a timeout).
 */
export type JobStatus =
  | { job: 'pending'; problem?: PrintProblem; printerUnknown?: true; connecting?: true; said: string }
  | { job: 'completed' }
  | { job: 'failed'; said: string }
  | { job: 'gone'; said: string }
  | { job: 'unknown'; said: string };

export async function jobStatus(target: LpTarget, job: string): Promise<JobStatus> {
  const number = isJobId(job) ? jobNumber(job) : undefined;
  if (number === undefined) return { job: 'failed', said: `${JSON.stringify(job.slice(0, 80))} is no CUPS job id` };
  const lpstat = target.lpstat ?? 'lpstat';
  const open = await run(lpstat, [...serverArgs(target), '-l', '-W', 'not-completed', '-o', target.printer]);
  if (!open.ok) return { job: 'unknown', said: open.message };
  // By its number: lpstat spells the queue as CUPS does, lp as the config does (sameName).
  const isIt = (j: JobLine): boolean => jobNumber(j.id) === number;
  const waiting = parseJobs(open.stdout).find(isIt);
  if (waiting) {
    const printer = await printerState(target);
    const problem = printer ? problemOf(printer) : undefined;
    const held = waiting.alerts.some((a) => a.startsWith('job-hold-until'));
    const said = [printer?.said ?? 'the printer’s state is unknown', waiting.alerts.length > 0 ? `job: ${waiting.alerts.join(' ')}` : ''].filter(Boolean).join('; ');
    return {
      job: 'pending',
      ...((problem ?? held) && { problem: problem ?? 'stopped' }),
      ...(!printer && { printerUnknown: true as const }),
      ...(printer && !problem && !held && isConnecting(printer) && { connecting: true as const }),
      said,
    };
  }
  const closed = await run(lpstat, [...serverArgs(target), '-l', '-W', 'completed', '-o', target.printer]);
  if (!closed.ok) return { job: 'unknown', said: closed.message };
  const ended = parseJobs(closed.stdout).find(isIt);
  if (!ended) return { job: 'gone', said: `CUPS no longer lists job ${job}: it keeps no job history (or purged it), so it printed or was cancelled there` };
  // A job someone else cancelled (cancel, the web interface) may look completed here: CUPS 2.4 often leaves only
  // processing-to-stop-point on it, as on a completed one, and lpstat shows nothing else (no job-state): it is then
  // said printed. Only the reasons that name a cancel or an abort tell it apart.
  const bad = ended.alerts.filter((a) => /cancel|abort|with-errors|error$/.test(a));
  return bad.length > 0 ? { job: 'failed', said: `job ${job} ended: ${bad.join(' ')}` } : { job: 'completed' };
}

/** `cancel [-h SERVER] JOB`. Never throws. */
export async function cancelJob(target: LpTarget, job: string): Promise<{ ok: true } | { ok: false; message: string }> {
  if (!isJobId(job)) return { ok: false, message: `${JSON.stringify(job.slice(0, 80))} is no CUPS job id: not cancelled` };
  const r = await run(target.cancel ?? 'cancel', [...serverArgs(target), job]);
  return r.ok ? { ok: true } : r;
}
