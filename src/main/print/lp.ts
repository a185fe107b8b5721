import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrintProblem } from '../../shared/print.ts';
import { printerState, problemOf } from './lpstat.ts';

/** Where CUPS is asked to print: a queue, and optionally a CUPS server other than the machine's default (`host:port`). */
export interface LpTarget {
  printer: string;
  server?: string;
  /** The `lp` program (a test's fake one); `lp` on the PATH by default. */
  command?: string;
  /** The `lpstat` program, likewise. */
  lpstat?: string;
  /** The `cancel` program, likewise. */
  cancel?: string;
}

/** `problem`: the printer's trouble, when lp was not even asked because of it (a stopped queue). */
export type LpResult = { ok: true; job: string | null } | { ok: false; message: string; problem?: PrintProblem };

/**
 * `lp -d PRINTER -t TITLE FILE` (no shell: the arguments are passed as they are). lp returns once CUPS holds a copy
 * of the file, so the caller may delete it then. `job`: the request id lp printed, when it did. Never throws.
 */
export function lp(target: LpTarget, file: string, title: string, timeoutMs = 30_000): Promise<LpResult> {
  const args = [...(target.server ? ['-h', target.server] : []), '-d', target.printer, '-t', title, '--', file];
  return new Promise((resolve) => {
    // The C locale: lp translates « request id is » too.
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
    execFile(target.command ?? 'lp', args, { timeout: timeoutMs, maxBuffer: 64 * 1024, encoding: 'utf8', env }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, job: /request id is (\S+)/.exec(stdout)?.[1] ?? null });
      const said = `${stderr}`.trim().split('\n').slice(-3).join(' ').slice(0, 300);
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'lp is not installed (apt-get install cups-client)' : err.killed ? `lp gave no answer within ${timeoutMs / 1000} s` : said || err.message;
      resolve({ ok: false, message: why });
    });
  });
}

/**
 * Prints a PDF held in memory, unless the queue is stopped (`lpstat -l -p NAME`: a stopped queue takes jobs and prints
 * them only once the assistant starts it again, long after the patient left): written to a private temporary folder
 * (0700, the file 0600: it is health data), given to lp, and deleted whatever happened. When lpstat cannot tell the
 * queue's state, lp is asked all the same (it says what is wrong).
 */
export async function printPdf(target: LpTarget, pdf: Uint8Array, title: string, timeoutMs?: number): Promise<LpResult> {
  const state = await printerState(target);
  if (state && !state.enabled) return { ok: false, message: `the printer is stopped: ${state.said}`, problem: problemOf(state) ?? 'stopped' };
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'cabin-print-'));
    const file = join(dir, 'compte-rendu.pdf');
    await writeFile(file, pdf, { mode: 0o600 });
    return await lp(target, file, title, timeoutMs);
  } catch (err) {
    return { ok: false, message: `the report could not be written for lp (${(err as Error).message})` };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
