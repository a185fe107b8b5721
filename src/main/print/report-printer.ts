import type { CallView, SessionView } from '../../shared/bridge.ts';
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { PrintProblem, PrintView } from '../../shared/print.ts';
import type { Logger } from '../../server/log.ts';
import type { ReportFetch } from './fetch-report.ts';
import type { FollowHandle } from './follow.ts';
import type { LpResult } from './lp.ts';

/** The job's title in the print queue, which others may see: never the patient's name. */
export const PRINT_TITLE = 'Compte rendu de consultation';

/** While the doctor has not saved the report (the patient often leaves first): a try every 10 s for 2 minutes. */
export const PRINT_RETRY = { tries: 13, everyMs: 10_000 } as const;

export interface ReportPrinterOptions {
  /** A printer is configured; `auto`: print as soon as the visit ends, without the patient's press. */
  printer: { auto: boolean } | undefined;
  /** The report PDF of a consultation of this cabin (hub login + GET). Never throws. */
  fetch(consultationId: string): Promise<ReportFetch>;
  /** Gives the PDF to the printer (lp). Never throws. */
  print(pdf: Buffer): Promise<LpResult>;
  /**
   * Follows a job CUPS accepted until it is completed (follow.ts followJob on lpstat), telling `onPending` the
   * printer's trouble while it waits. Absent: `printing` is the last word, as when lp gave no job id.
   */
  follow?(job: string, onPending: (problem: PrintProblem | undefined) => void): FollowHandle;
  /** The end screen's view changed. */
  emit(view: PrintView): void;
  /** For the audit log: printed, or why not (no patient data). */
  incident(detail: string): void;
  log: Logger;
  clock: Clock;
  retry?: { tries: number; everyMs: number };
}

/**
 * The patient's copy of the report at the end of the visit. It remembers the consultation a doctor took during this
 * visit; on the end screen it is `ready` (the button), or starts by itself when configured `auto`. A job fetches the
 * PDF (again every few seconds while the doctor is still writing), prints it, follows it in CUPS until it is completed
 * (`printed`; the printer's trouble said while it waits; `failed` when CUPS aborted it; `still-printing` at the
 * follow's limit; `printing` stays when CUPS let the job go without keeping how it ended) and says how it went. Leaving the end screen stops a job that is still waiting, and ends the follow:
 * a report printed after the patient left would lie in the tray for the next one, so a job the printer holds (no
 * paper, stopped…) is cancelled then, as at the follow's limit. Never throws, never blocks: the kiosk goes on whatever
 * the hub or the printer do.
 */
export class ReportPrinter {
  private view: PrintView;
  private visit: string | null = null;
  private consultationId: string | null = null;
  private phase: SessionView['phase'] | null = null;
  /** Bumped when the visit or the screen changes: a job of an older generation only finishes quietly. */
  private generation = 0;
  private timer: TimerHandle | undefined;
  /** The CUPS job being followed, if any (it outlives the end screen until it is finished). */
  private following: FollowHandle | undefined;
  /** The jobs under way (fetching, given to lp, followed), for `close`. */
  private readonly running = new Set<Promise<void>>();
  private readonly retry: { tries: number; everyMs: number };

  constructor(private readonly opts: ReportPrinterOptions) {
    this.view = { state: opts.printer ? 'none' : 'off' };
    this.retry = opts.retry ?? PRINT_RETRY;
  }

  get(): PrintView {
    return this.view;
  }

  /** The call's view: a consultation a doctor took in this visit is the one whose report is printed. */
  onCall(call: CallView): void {
    if (call.consultationId && (call.state === 'active' || call.state === 'ended')) this.consultationId = call.consultationId;
  }

  onSession(s: SessionView): void {
    if (s.sessionId !== this.visit) {
      this.visit = s.sessionId;
      this.consultationId = null;
    }
    const was = this.phase;
    this.phase = s.phase;
    if (was === s.phase || !this.opts.printer) return;
    this.stop();
    if (s.phase !== 'end' || this.consultationId === null) return this.set({ state: 'none' });
    this.set({ state: 'ready' });
    if (this.opts.printer.auto) this.print();
  }

  /** The patient pressed « Imprimer mon compte rendu » (again after a failure; never a second copy of one on its way). */
  print(): PrintView {
    const id = this.consultationId;
    if (!this.opts.printer || id === null || this.phase !== 'end' || (this.view.state !== 'ready' && this.view.state !== 'failed')) return this.view;
    this.stop();
    const generation = this.generation;
    this.set({ state: 'preparing' });
    this.track(this.attempt(id, generation, 1));
    return this.view;
  }

  /**
   * Stops a job still waiting for the report, and ends the follow of one CUPS holds: the patient left the end screen,
   * a new visit began, or the kiosk stops. A job still held by the printer's trouble is cancelled then (not left to
   * print for the next patient); its end is only logged.
   */
  stop(): void {
    this.generation++;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.following?.finish();
  }

  /**
   * `stop`, then waits (at most `ms`) for the jobs it ended: the kiosk stopping lets the follow cancel a job the printer
   * still holds, and record it, before the process goes (a job left in CUPS would print for the next patient once the
   * printer is seen to).
   */
  async close(ms = 10_000): Promise<void> {
    this.stop();
    if (this.running.size === 0) return;
    let timer: TimerHandle | undefined;
    await Promise.race([Promise.all(this.running), new Promise<void>((resolve) => (timer = this.opts.clock.setTimeout(resolve, ms)))]);
    this.opts.clock.clearTimeout(timer);
  }

  private track(job: Promise<void>): void {
    const p: Promise<void> = job.catch((err: unknown) => this.opts.log.error({ err }, 'printing the report failed')).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private async attempt(id: string, generation: number, n: number): Promise<void> {
    const got = await this.opts.fetch(id);
    if (generation !== this.generation) return;
    if (!got.ok) {
      if (got.retry && n < this.retry.tries) {
        this.opts.log.info({ consultationId: id, code: got.code, try: n }, 'report not printed yet: trying again');
        this.timer = this.opts.clock.setTimeout(() => this.track(this.attempt(id, generation, n + 1)), this.retry.everyMs);
        return;
      }
      return this.failed(id, `the hub gave no report (${got.code}: ${got.message})`);
    }
    const printed = await this.opts.print(got.pdf);
    // The printer took it even if the patient left meanwhile: the log says so all the same.
    if (!printed.ok) return this.failed(id, `the printer refused it: ${printed.message}`, generation, printed.problem && { problem: printed.problem });
    const job = printed.job;
    this.opts.log.info({ consultationId: id, job }, 'report sent to the printer');
    this.opts.incident(`report of consultation ${id} sent to the printer (${job ?? 'job accepted'})`);
    if (generation === this.generation) this.set({ state: 'printing' });
    if (job === null || !this.opts.follow) return;
    const follow = this.opts.follow(job, (problem) => {
      if (generation === this.generation) this.set(problem ? { state: 'printing', problem } : { state: 'printing' });
    });
    this.following = follow;
    // A left end screen (or a new visit) made the generation older: then the end is only logged.
    if (generation !== this.generation) follow.finish();
    const end = await follow.done;
    if (this.following === follow) this.following = undefined;
    if (end.state === 'printed') {
      this.opts.log.info({ consultationId: id, job }, 'report printed');
      this.opts.incident(`report of consultation ${id} printed (${job} completed)`);
      if (generation === this.generation) this.set({ state: 'printed' });
    } else if (end.state === 'sent') {
      // lp took it and CUPS let it go without keeping how it ended: never « failed » (its retry would print a second
      // copy of a report that may lie in the tray); the screen stays on « printing », as when lp gave no job id.
      this.opts.log.info({ consultationId: id, job, reason: end.reason }, 'report left the print queue; CUPS keeps no record of how it ended');
      this.opts.incident(`report of consultation ${id} left the print queue (${job}): ${end.reason}`);
      if (generation === this.generation) this.set({ state: 'printing' });
    } else if (end.state === 'failed') {
      this.failed(id, `${job}: ${end.reason}`, generation, { ...(end.problem && { problem: end.problem }), ...(end.cancelled && { cancelled: true }) });
    } else {
      this.opts.log.warn({ consultationId: id, job, reason: end.reason }, 'the report was not printed yet');
      this.opts.incident(`report of consultation ${id} still printing: ${job} ${end.reason}`);
      if (generation === this.generation) this.set({ state: 'still-printing', reason: end.reason.slice(0, 500) });
    }
  }

  private failed(id: string, reason: string, generation = this.generation, more: Pick<PrintView, 'problem' | 'cancelled'> = {}): void {
    this.opts.log.warn({ consultationId: id, reason, ...more }, 'the report was not printed');
    this.opts.incident(`report of consultation ${id} not printed${more.cancelled ? ' (job cancelled)' : ''}: ${reason}`);
    if (generation === this.generation) this.set({ state: 'failed', reason: reason.slice(0, 500), ...more });
  }

  private set(view: PrintView): void {
    const v = this.view;
    if (view.state === v.state && view.reason === v.reason && view.problem === v.problem && view.cancelled === v.cancelled) return;
    this.view = view;
    this.opts.emit(view);
  }
}
