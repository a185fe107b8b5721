import type { CallView, SessionView } from '../../shared/bridge.ts';
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { PrintView } from '../../shared/print.ts';
import type { Logger } from '../../server/log.ts';
import type { ReportFetch } from './fetch-report.ts';
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
 * PDF (again every few seconds while the doctor is still writing), prints it and says how it went. Leaving the end
 * screen stops a job that is still waiting: a report printed after the patient left would lie in the tray for the
 * next one. Never throws, never blocks: the kiosk goes on whatever the hub or the printer do.
 */
export class ReportPrinter {
  private view: PrintView;
  private visit: string | null = null;
  private consultationId: string | null = null;
  private phase: SessionView['phase'] | null = null;
  /** Bumped when the visit or the screen changes: a job of an older generation only finishes quietly. */
  private generation = 0;
  private timer: TimerHandle | undefined;
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

  /** The patient pressed « Imprimer mon compte rendu » (again after a failure). */
  print(): PrintView {
    const id = this.consultationId;
    if (!this.opts.printer || id === null || this.phase !== 'end' || this.view.state === 'preparing') return this.view;
    this.stop();
    const generation = this.generation;
    this.set({ state: 'preparing' });
    void this.attempt(id, generation, 1);
    return this.view;
  }

  stop(): void {
    this.generation++;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async attempt(id: string, generation: number, n: number): Promise<void> {
    const got = await this.opts.fetch(id);
    if (generation !== this.generation) return;
    if (!got.ok) {
      if (got.retry && n < this.retry.tries) {
        this.opts.log.info({ consultationId: id, code: got.code, try: n }, 'report not printed yet: trying again');
        this.timer = this.opts.clock.setTimeout(() => void this.attempt(id, generation, n + 1), this.retry.everyMs);
        return;
      }
      return this.failed(id, `the hub gave no report (${got.code}: ${got.message})`);
    }
    const printed = await this.opts.print(got.pdf);
    // The printer took it even if the patient left meanwhile: the log says so all the same.
    if (!printed.ok) return this.failed(id, `the printer refused it: ${printed.message}`, generation);
    this.opts.log.info({ consultationId: id, job: printed.job }, 'report sent to the printer');
    this.opts.incident(`report of consultation ${id} printed (${printed.job ?? 'job accepted'})`);
    if (generation === this.generation) this.set({ state: 'printing' });
  }

  private failed(id: string, reason: string, generation = this.generation): void {
    this.opts.log.warn({ consultationId: id, reason }, 'the report was not printed');
    this.opts.incident(`report of consultation ${id} not printed: ${reason}`);
    if (generation === this.generation) this.set({ state: 'failed', reason: reason.slice(0, 500) });
  }

  private set(view: PrintView): void {
    if (view.state === this.view.state && view.reason === this.view.reason) return;
    this.view = view;
    this.opts.emit(view);
  }
}
