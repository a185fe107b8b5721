import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { PrintProblem } from '../../shared/print.ts';
import type { JobStatus } from './lpstat.ts';

/**
 * CUPS is asked every 2 s how the job goes, for 2 minutes at most (a report is a page or two). A printer said
 * connecting-to-device on the polls of 10 s in a row is taken for offline (`connectingMs`).
 */
export const FOLLOW = { everyMs: 2000, limitMs: 120_000, connectingMs: 10_000 } as const;

/**
 * How a followed job ended, for the end screen (PrintView) and the log. `sent`: the job left the queue but CUPS keeps
 * no record of how (no job history): it printed, or someone cancelled it there; the screen stays on « printing ».
 */
export type JobOutcome =
  | { state: 'printed' }
  | { state: 'sent'; reason: string }
  | { state: 'failed'; problem?: PrintProblem; cancelled: boolean; reason: string }
  | { state: 'still-printing'; reason: string };

export interface FollowOptions {
  /** Where the job stands (lpstat.ts jobStatus). Never throws. */
  status(): Promise<JobStatus>;
  /** Cancels the job (lpstat.ts cancelJob). Never throws. */
  cancel(): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Each answer while the job waits in the queue: the printer's trouble, if any (the end screen says it at once). */
  onPending(problem: PrintProblem | undefined): void;
  clock: Clock;
  everyMs?: number;
  limitMs?: number;
  /** How long connecting-to-device must last, seen on consecutive polls, to call the printer offline. */
  connectingMs?: number;
}

export interface FollowHandle {
  done: Promise<JobOutcome>;
  /** Ends the follow now as at its limit (the patient left the end screen): a job held by the printer's trouble is cancelled. */
  finish(): void;
}

/**
 * Follows a job CUPS accepted until it is completed, fails, leaves the queue without a trace (`sent`), or the limit
 * passes. At the limit (or `finish`), a job still held because the printer cannot print (stopped, no paper, jammed,
 * offline) is cancelled: the report is health data, and a job that prints once the assistant refills the tray would
 * lie there for the next patient. The trouble is the last one seen during the follow: a last poll that could not tell
 * (lpstat timed out, `lpstat -p` failed once) does not forget it; only a poll that saw the printer without trouble
 * does. A job still printing on a printer without trouble is left alone (it is coming out): `still-printing`. Nothing
 * else is cancelled on the patient's behalf, and never a completed job (CUPS refuses to cancel one: then it is asked
 * again). Never throws.
 */
export function followJob(o: FollowOptions): FollowHandle {
  const everyMs = o.everyMs ?? FOLLOW.everyMs;
  const limitMs = o.limitMs ?? FOLLOW.limitMs;
  const connectingMs = o.connectingMs ?? FOLLOW.connectingMs;
  const start = o.clock.now();
  let finishing = false;
  let timer: TimerHandle | undefined;
  let wake: (() => void) | undefined;
  const ask = async (): Promise<JobStatus> => {
    try {
      return await o.status();
    } catch (err) {
      return { job: 'unknown', said: (err as Error).message };
    }
  };
  const done = (async (): Promise<JobOutcome> => {
    let last: JobStatus;
    /** The last trouble seen, until a poll sees the printer without one. */
    let trouble: { problem: PrintProblem; said: string } | undefined;
    /** Since when the printer says connecting-to-device, poll after poll. */
    let connectingSince: number | undefined;
    for (;;) {
      last = await ask();
      if (last.job === 'completed') return { state: 'printed' };
      if (last.job === 'failed') return { state: 'failed', cancelled: false, reason: last.said };
      if (last.job === 'gone') return { state: 'sent', reason: last.said };
      if (last.job === 'pending') {
        const now = o.clock.now();
        if (last.connecting) connectingSince ??= now;
        else if (!last.printerUnknown) connectingSince = undefined;
        const problem = last.problem ?? (connectingSince !== undefined && now - connectingSince >= connectingMs ? 'offline' : undefined);
        if (problem) trouble = { problem, said: last.said };
        else if (!last.printerUnknown) trouble = undefined;
        o.onPending(trouble?.problem);
      }
      const left = start + limitMs - o.clock.now();
      if (finishing || left <= 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = o.clock.setTimeout(resolve, Math.min(everyMs, left));
      });
      wake = undefined;
    }
    const waited = `${Math.round((o.clock.now() - start) / 1000)} s`;
    if (trouble) {
      // Seen by the last poll, or by an earlier one when the last could not tell.
      const said = last.job === 'pending' && last.said === trouble.said ? trouble.said : `${trouble.said}; last: ${last.said}`;
      let cancelled: Awaited<ReturnType<FollowOptions['cancel']>>;
      try {
        cancelled = await o.cancel();
      } catch (err) {
        cancelled = { ok: false, message: (err as Error).message };
      }
      if (!cancelled.ok) {
        // It may have ended meanwhile (the assistant fixed the printer): CUPS says which.
        const now = await ask();
        if (now.job === 'completed') return { state: 'printed' };
        if (now.job === 'gone') return { state: 'sent', reason: now.said };
        return { state: 'failed', problem: trouble.problem, cancelled: false, reason: `held after ${waited} (${said}); cancelling it failed: ${cancelled.message}` };
      }
      return { state: 'failed', problem: trouble.problem, cancelled: true, reason: `held after ${waited} (${said}): the job was cancelled` };
    }
    if (last.job === 'pending') return { state: 'still-printing', reason: `not completed after ${waited} (${last.said})` };
    return { state: 'still-printing', reason: `CUPS could not tell after ${waited} (${last.said})` };
  })();
  return {
    done,
    finish() {
      finishing = true;
      o.clock.clearTimeout(timer);
      wake?.();
    },
  };
}
