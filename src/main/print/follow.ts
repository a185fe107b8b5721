import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { PrintProblem } from '../../shared/print.ts';
import type { JobStatus } from './lpstat.ts';

/** CUPS is asked every 2 s how the job goes, for 2 minutes at most (a report is a page or two). */
export const FOLLOW = { everyMs: 2000, limitMs: 120_000 } as const;

/** How a followed job ended, for the end screen (PrintView) and the log. */
export type JobOutcome =
  | { state: 'printed' }
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
}

export interface FollowHandle {
  done: Promise<JobOutcome>;
  /** Ends the follow now as at its limit (the patient left the end screen): a job held by the printer's trouble is cancelled. */
  finish(): void;
}

/**
 * Follows a job CUPS accepted until it is completed, fails, or the limit passes. At the limit (or `finish`), a job
 * still held because the printer cannot print (stopped, no paper, jammed, offline) is cancelled: the report is health
 * data, and a job that prints once the assistant refills the tray would lie there for the next patient. A job still
 * printing on a printer without trouble is left alone (it is coming out): `still-printing`. Nothing else is cancelled
 * on the patient's behalf. Never throws.
 */
export function followJob(o: FollowOptions): FollowHandle {
  const everyMs = o.everyMs ?? FOLLOW.everyMs;
  const limitMs = o.limitMs ?? FOLLOW.limitMs;
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
    for (;;) {
      last = await ask();
      if (last.job === 'completed') return { state: 'printed' };
      if (last.job === 'failed') return { state: 'failed', cancelled: false, reason: last.said };
      if (last.job === 'pending') o.onPending(last.problem);
      const left = start + limitMs - o.clock.now();
      if (finishing || left <= 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = o.clock.setTimeout(resolve, Math.min(everyMs, left));
      });
      wake = undefined;
    }
    const waited = `${Math.round((o.clock.now() - start) / 1000)} s`;
    if (last.job === 'pending' && last.problem) {
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
        return { state: 'failed', problem: last.problem, cancelled: false, reason: `held after ${waited} (${last.said}); cancelling it failed: ${cancelled.message}` };
      }
      return { state: 'failed', problem: last.problem, cancelled: true, reason: `held after ${waited} (${last.said}): the job was cancelled` };
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
