import { describe, expect, it } from 'vitest';
import type { ReportFetch } from '../../../src/main/print/fetch-report.ts';
import { followJob } from '../../../src/main/print/follow.ts';
import type { LpResult } from '../../../src/main/print/lp.ts';
import type { JobStatus } from '../../../src/main/print/lpstat.ts';
import { ReportPrinter } from '../../../src/main/print/report-printer.ts';
import { silentLogger } from '../../../src/server/log.ts';
import type { CallView, SessionView } from '../../../src/shared/bridge.ts';
import type { PrintView } from '../../../src/shared/print.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

/** The patient's copy at the end of the visit: when it is offered, printed, retried, given up; with fake hub and lp. */
const PDF: ReportFetch = { ok: true, pdf: Buffer.from('%PDF-1.7') };
const NOT_YET: ReportFetch = { ok: false, retry: true, code: 'not-yet', message: 'The doctor has not saved the report yet.' };

/**
 * `cups`: what CUPS answers of the job, one answer a poll (the last one repeats); the follow asks every 2 s for 20 s.
 * `cancelFails`: cancel's error. `afterCancel`: what CUPS answers once cancel was asked (by default, after a cancel
 * that worked, the job ended).
 */
function rig(opts: { printer?: { auto: boolean } | null; hub?: ReportFetch[]; lp?: LpResult; cups?: JobStatus[]; cancelFails?: string; afterCancel?: JobStatus } = {}) {
  const clock = new ManualClock();
  const cups = [...(opts.cups ?? [])];
  const polled: string[] = [];
  const cancelled: string[] = [];
  const answers = [...(opts.hub ?? [PDF])];
  const asked: string[] = [];
  const printed: Buffer[] = [];
  const views: PrintView['state'][] = [];
  const incidents: string[] = [];
  const printer = new ReportPrinter({
    printer: opts.printer === null ? undefined : (opts.printer ?? { auto: false }),
    fetch: async (id) => {
      asked.push(id);
      return answers.shift() ?? NOT_YET;
    },
    print: async (pdf) => {
      printed.push(pdf);
      return opts.lp ?? { ok: true, job: 'CabinPDF-1' };
    },
    emit: (v) => views.push(v.state),
    ...(opts.cups && {
      follow: (job: string, onPending: (p: PrintView['problem']) => void) =>
        followJob({
          status: async () => {
            polled.push(job);
            return (cups.length > 1 ? cups.shift() : cups[0]) ?? { job: 'unknown', said: 'no answer' };
          },
          cancel: async () => {
            cancelled.push(job);
            if (opts.afterCancel) cups.splice(0, cups.length, opts.afterCancel);
            if (opts.cancelFails) return { ok: false, message: opts.cancelFails };
            cups.splice(0, cups.length, { job: 'failed', said: `job ${job} ended: processing-to-stop-point` });
            return { ok: true };
          },
          onPending,
          clock,
          everyMs: 2000,
          limitMs: 20_000,
        }),
    }),
    incident: (d) => incidents.push(d),
    log: silentLogger(),
    clock,
    retry: { tries: 3, everyMs: 10_000 },
  });
  const session = (phase: SessionView['phase'], sessionId: string | null = 'visit-1') =>
    printer.onSession({ phase, sessionId, language: 'fr', startedAt: 0, assistant: false, idleWarning: null, readings: [] });
  const call = (state: CallView['state'], consultationId: string | null) =>
    printer.onCall({ state, consultationId, doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  const later = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { printer, clock, asked, printed, views, incidents, session, call, settle, later, polled, cancelled };
}

/** A visit in which doctor took consultation c-1, then the end screen. */
async function visitWithDoctor(r: ReturnType<typeof rig>): Promise<void> {
  r.session('exam');
  r.call('active', 'c-1');
  r.call('idle', null);
  r.session('end');
  await r.settle();
}

describe('ReportPrinter', () => {
  it('offers the button on the end screen of a visit a doctor saw, prints on the press, says it prints', async () => {
    const r = rig();
    await visitWithDoctor(r);
    expect(r.printer.get().state).toBe('ready');
    expect(r.asked).toEqual([]);
    expect(r.printer.print().state).toBe('preparing');
    await r.settle();
    expect(r.asked).toEqual(['c-1']);
    expect(r.printed).toHaveLength(1);
    expect(r.printer.get().state).toBe('printing');
    expect(r.views).toEqual(['ready', 'preparing', 'printing']);
    expect(r.incidents).toEqual(['report of consultation c-1 sent to the printer (CabinPDF-1)']);
  });

  it('auto: prints as the visit ends; waits while the doctor has not saved the report', async () => {
    const r = rig({ printer: { auto: true }, hub: [NOT_YET, NOT_YET, PDF] });
    await visitWithDoctor(r);
    expect(r.printer.get().state).toBe('preparing');
    expect(r.asked).toHaveLength(1);
    await r.later(9_999);
    expect(r.asked).toHaveLength(1);
    await r.later(1);
    await r.later(10_000);
    expect(r.asked).toHaveLength(3);
    expect(r.printer.get().state).toBe('printing');
  });

  it('gives up after its tries, or at once on a refusal, and says why; the patient may try again', async () => {
    const r = rig({ hub: [NOT_YET, NOT_YET, NOT_YET, PDF] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    await r.later(10_000);
    await r.later(10_000);
    expect(r.asked).toHaveLength(3);
    expect(r.printer.get()).toEqual({ state: 'failed', reason: 'the hub gave no report (not-yet: The doctor has not saved the report yet.)' });
    expect(r.incidents.at(-1)).toMatch(/not printed/);
    r.printer.print();
    await r.settle();
    expect(r.printer.get().state).toBe('printing');

    const late = rig({ hub: [{ ok: false, retry: false, code: 'too-late', message: 'too late' }] });
    await visitWithDoctor(late);
    late.printer.print();
    await late.settle();
    expect(late.printer.get().state).toBe('failed');
    expect(late.clock.pending).toBe(0);
  });

  it('lp’s refusal is the failure’s reason', async () => {
    const r = rig({ lp: { ok: false, message: 'lp: The printer or class does not exist.' } });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    expect(r.printer.get()).toEqual({ state: 'failed', reason: 'the printer refused it: lp: The printer or class does not exist.' });
  });

  it('leaving the end screen stops a job still waiting: nothing printed for a patient who left', async () => {
    const r = rig({ printer: { auto: true }, hub: [NOT_YET, PDF] });
    await visitWithDoctor(r);
    r.session('cleaning');
    await r.later(60_000);
    expect(r.asked).toHaveLength(1);
    expect(r.printed).toHaveLength(0);
    expect(r.printer.get().state).toBe('none');
    expect(r.printer.print().state).toBe('none');
  });

  it('nothing to print without a doctor in this visit, nor a consultation of an earlier visit; off without a printer', async () => {
    const r = rig({ printer: { auto: true } });
    r.session('exam', 'visit-1');
    r.call('active', 'c-1');
    r.session('end', 'visit-1');
    r.session('cleaning', 'visit-1');
    r.session('exam', 'visit-2');
    r.call('waiting', null);
    r.session('end', 'visit-2');
    await r.settle();
    expect(r.printer.get().state).toBe('none');
    expect(r.printer.print().state).toBe('none');

    const off = rig({ printer: null });
    await visitWithDoctor(off);
    expect(off.printer.get().state).toBe('off');
    expect(off.printer.print().state).toBe('off');
    expect(off.views).toEqual([]);
  });
});

describe('ReportPrinter follows the job in CUPS', () => {
  const PENDING: JobStatus = { job: 'pending', said: 'printer CabinPDF now printing CabinPDF-1. enabled since Mon Dec 7 05:49:03 2026; job: job-printing' };
  const NO_PAPER: JobStatus = { job: 'pending', problem: 'paper', said: 'printer CabinPDF disabled since Mon Dec 7 05:49:10 2026 - Media tray empty' };
  const STOPPED: JobStatus = { job: 'pending', problem: 'stopped', said: 'printer CabinPDF disabled since Mon Dec 7 05:49:10 2026 - Paused' };
  const DONE: JobStatus = { job: 'completed' };

  it('says « printed » only once CUPS completed the job, asking every 2 s', async () => {
    const r = rig({ cups: [PENDING, PENDING, DONE] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    expect(r.printer.get()).toEqual({ state: 'printing' });
    expect(r.polled).toEqual(['CabinPDF-1']);
    await r.later(1999);
    expect(r.polled).toHaveLength(1);
    await r.later(1);
    expect(r.printer.get().state).toBe('printing');
    await r.later(2000);
    expect(r.polled).toHaveLength(3);
    expect(r.printer.get()).toEqual({ state: 'printed' });
    expect(r.views).toEqual(['ready', 'preparing', 'printing', 'printed']);
    expect(r.incidents).toEqual(['report of consultation c-1 sent to the printer (CabinPDF-1)', 'report of consultation c-1 printed (CabinPDF-1 completed)']);
    expect(r.clock.pending).toBe(0);
    // No second copy of a printed report from the screen.
    expect(r.printer.print().state).toBe('printed');
    expect(r.printed).toHaveLength(1);
  });

  it('says the printer’s trouble while the job waits; the assistant refills the tray and it prints', async () => {
    const r = rig({ cups: [PENDING, NO_PAPER, NO_PAPER, PENDING, DONE] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    await r.later(2000);
    expect(r.printer.get()).toEqual({ state: 'printing', problem: 'paper' });
    // No second job while the first waits.
    expect(r.printer.print()).toEqual({ state: 'printing', problem: 'paper' });
    await r.later(2000);
    await r.later(2000);
    expect(r.printer.get()).toEqual({ state: 'printing' });
    await r.later(2000);
    expect(r.printer.get()).toEqual({ state: 'printed' });
    expect(r.cancelled).toEqual([]);
    expect(r.printed).toHaveLength(1);
  });

  it('at the limit, a job held by a stopped printer is cancelled and the screen says why; the patient may try again', async () => {
    const r = rig({ cups: [STOPPED] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    expect(r.printer.get()).toEqual({ state: 'printing', problem: 'stopped' });
    for (let i = 0; i < 9; i++) await r.later(2000);
    expect(r.cancelled).toEqual([]);
    await r.later(2000);
    expect(r.polled).toHaveLength(11);
    expect(r.cancelled).toEqual(['CabinPDF-1']);
    expect(r.printer.get()).toEqual({
      state: 'failed',
      problem: 'stopped',
      cancelled: true,
      reason: 'CabinPDF-1: held after 20 s (printer CabinPDF disabled since Mon Dec 7 05:49:10 2026 - Paused): the job was cancelled',
    });
    expect(r.incidents.at(-1)).toMatch(/^report of consultation c-1 not printed \(job cancelled\): CabinPDF-1: held after 20 s/);
    expect(r.clock.pending).toBe(0);
    expect(r.printer.print().state).toBe('preparing');
  });

  it('at the limit, a job still printing on a printer without trouble is left to finish: « still printing », nothing cancelled', async () => {
    const r = rig({ cups: [PENDING] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    for (let i = 0; i < 10; i++) await r.later(2000);
    expect(r.cancelled).toEqual([]);
    expect(r.printer.get()).toEqual({ state: 'still-printing', reason: `not completed after 20 s (${PENDING.job === 'pending' && PENDING.said})` });
    expect(r.printer.print().state).toBe('still-printing');
    expect(r.printed).toHaveLength(1);
  });

  it('CUPS aborting or losing the job is a failure without a trouble to name; lpstat not answering at the limit is « still printing »', async () => {
    const r = rig({ cups: [PENDING, { job: 'failed', said: 'job CabinPDF-1 ended: aborted-by-system' }] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    await r.later(2000);
    expect(r.printer.get()).toEqual({ state: 'failed', reason: 'CabinPDF-1: job CabinPDF-1 ended: aborted-by-system' });

    const blind = rig({ cups: [{ job: 'unknown', said: 'lpstat gave no answer within 10 s' }] });
    await visitWithDoctor(blind);
    blind.printer.print();
    await blind.settle();
    for (let i = 0; i < 10; i++) await blind.later(2000);
    expect(blind.cancelled).toEqual([]);
    expect(blind.printer.get()).toEqual({ state: 'still-printing', reason: 'CUPS could not tell after 20 s (lpstat gave no answer within 10 s)' });
  });

  it('the patient leaving the end screen ends the follow at once: a held job is cancelled, not left to print for the next patient', async () => {
    const r = rig({ cups: [NO_PAPER] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    await r.later(2000);
    r.session('cleaning');
    await r.settle();
    expect(r.cancelled).toEqual(['CabinPDF-1']);
    expect(r.printer.get().state).toBe('none');
    expect(r.incidents.at(-1)).toMatch(/^report of consultation c-1 not printed \(job cancelled\): CabinPDF-1: held after 2 s \(printer CabinPDF disabled/);
    expect(r.clock.pending).toBe(0);

    // One printing without trouble is left to come out (the assistant is there); the log says it was not seen done.
    const going = rig({ cups: [PENDING] });
    await visitWithDoctor(going);
    going.printer.print();
    await going.settle();
    going.session('cleaning');
    await going.settle();
    expect(going.cancelled).toEqual([]);
    expect(going.incidents.at(-1)).toMatch(/^report of consultation c-1 still printing: CabinPDF-1 not completed after 0 s/);
  });

  it('a cancel that fails is said (the job may still come out), unless CUPS completed it meanwhile', async () => {
    const r = rig({ cups: [STOPPED], cancelFails: 'cancel: cancel-job failed: client-error-not-authorized' });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    for (let i = 0; i < 10; i++) await r.later(2000);
    expect(r.printer.get()).toMatchObject({ state: 'failed', problem: 'stopped', reason: expect.stringMatching(/cancelling it failed: cancel: cancel-job failed: client-error-not-authorized$/) });
    expect(r.printer.get().cancelled).toBeUndefined();
  });

  it('close (the kiosk stopping) waits for the follow to cancel a held job and record it; at once when nothing prints; its limit at most', async () => {
    const r = rig({ cups: [NO_PAPER] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    await r.later(2000);
    // No settling: what close awaited is done when it returns (stop alone would leave the cancel to a process ending).
    await r.printer.close();
    expect(r.cancelled).toEqual(['CabinPDF-1']);
    expect(r.incidents.at(-1)).toMatch(/^report of consultation c-1 not printed \(job cancelled\): CabinPDF-1: held after 2 s/);
    expect(r.clock.pending).toBe(0);

    const idle = rig({ cups: [PENDING] });
    await idle.printer.close();
    expect(idle.clock.pending).toBe(0);

    // A follow that never ends (lpstat hung past its own timeout) does not keep the kiosk from stopping.
    const clock = new ManualClock();
    const stuck = new ReportPrinter({
      printer: { auto: true },
      fetch: async () => PDF,
      print: async () => ({ ok: true, job: 'CabinPDF-1' }),
      follow: () => ({ done: new Promise(() => undefined), finish: () => undefined }),
      emit: () => undefined,
      incident: () => undefined,
      log: silentLogger(),
      clock,
    });
    stuck.onSession({ phase: 'exam', sessionId: 'visit-1', language: 'fr', startedAt: 0, assistant: false, idleWarning: null, readings: [] });
    stuck.onCall({ state: 'active', consultationId: 'c-1', doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null });
    stuck.onSession({ phase: 'end', sessionId: 'visit-1', language: 'fr', startedAt: 0, assistant: false, idleWarning: null, readings: [] });
    await r.settle();
    expect(stuck.get().state).toBe('printing');
    let closed = false;
    const closing = stuck.close(5000).then(() => (closed = true));
    await r.settle();
    expect(closed).toBe(false);
    clock.advance(5000);
    await closing;
    expect(clock.pending).toBe(0);
  });

  it('at the limit, the last trouble seen decides: a last poll that could not tell (lpstat timed out, lpstat -p failed) still cancels the held job', async () => {
    const TIMED_OUT: JobStatus = { job: 'unknown', said: 'lpstat gave no answer within 10 s' };
    const BLIND: JobStatus = { job: 'pending', printerUnknown: true, said: 'the printer’s state is unknown' };
    for (const lastPoll of [TIMED_OUT, BLIND]) {
      const r = rig({ cups: [STOPPED, STOPPED, lastPoll] });
      await visitWithDoctor(r);
      r.printer.print();
      await r.settle();
      for (let i = 0; i < 10; i++) await r.later(2000);
      expect(r.polled).toHaveLength(11);
      expect(r.cancelled, lastPoll.job).toEqual(['CabinPDF-1']);
      expect(r.printer.get()).toMatchObject({
        state: 'failed',
        problem: 'stopped',
        cancelled: true,
        reason: `CabinPDF-1: held after 20 s (${STOPPED.job === 'pending' && STOPPED.said}; last: ${lastPoll.said}): the job was cancelled`,
      });
    }
    // A poll that could not see the printer does not clear its trouble on the screen either.
    const blink = rig({ cups: [NO_PAPER, BLIND, NO_PAPER, DONE] });
    await visitWithDoctor(blink);
    blink.printer.print();
    await blink.settle();
    await blink.later(2000);
    expect(blink.printer.get()).toEqual({ state: 'printing', problem: 'paper' });
    await blink.later(2000);
    await blink.later(2000);
    expect(blink.printer.get()).toEqual({ state: 'printed' });
    // « printing », then with the trouble once: the blind poll did not clear it in between.
    expect(blink.views).toEqual(['ready', 'preparing', 'printing', 'printing', 'printed']);

    // A poll that saw the printer without trouble forgets it: the job printing then is left to finish.
    const fixed = rig({ cups: [STOPPED, PENDING, TIMED_OUT] });
    await visitWithDoctor(fixed);
    fixed.printer.print();
    await fixed.settle();
    for (let i = 0; i < 10; i++) await fixed.later(2000);
    expect(fixed.cancelled).toEqual([]);
    expect(fixed.printer.get()).toEqual({ state: 'still-printing', reason: 'CUPS could not tell after 20 s (lpstat gave no answer within 10 s)' });

    // CUPS refuses to cancel a job that completed while lpstat could not tell: it is printed, not « failed ».
    const ended = rig({ cups: [STOPPED, TIMED_OUT], cancelFails: 'cancel: cancel-job failed: Job #1 is already completed - can’t cancel.', afterCancel: DONE });
    await visitWithDoctor(ended);
    ended.printer.print();
    await ended.settle();
    for (let i = 0; i < 10; i++) await ended.later(2000);
    expect(ended.cancelled).toEqual(['CabinPDF-1']);
    expect(ended.printer.get()).toEqual({ state: 'printed' });
  });

  it('connecting-to-device is offline only once it lasts 10 s, poll after poll: a network printer passes through it on every job', async () => {
    const CONNECTING: JobStatus = { job: 'pending', connecting: true, said: 'printer CabinNet now printing CabinNet-1. enabled since Mon Dec 7 05:49:03 2026; job: job-printing' };
    const brief = rig({ cups: [CONNECTING, CONNECTING, PENDING, DONE] });
    await visitWithDoctor(brief);
    brief.printer.print();
    await brief.settle();
    for (let i = 0; i < 3; i++) await brief.later(2000);
    expect(brief.printer.get()).toEqual({ state: 'printed' });
    expect(brief.views).toEqual(['ready', 'preparing', 'printing', 'printed']);

    // Six polls 2 s apart: the sixth is 10 s after the first, and only then is the printer said offline.
    const stuck = rig({ cups: [CONNECTING] });
    await visitWithDoctor(stuck);
    stuck.printer.print();
    await stuck.settle();
    for (let i = 0; i < 4; i++) await stuck.later(2000);
    expect(stuck.printer.get()).toEqual({ state: 'printing' });
    await stuck.later(2000);
    expect(stuck.printer.get()).toEqual({ state: 'printing', problem: 'offline' });
    for (let i = 0; i < 5; i++) await stuck.later(2000);
    expect(stuck.cancelled).toEqual(['CabinPDF-1']);
    expect(stuck.printer.get()).toMatchObject({ state: 'failed', problem: 'offline', cancelled: true });

    // Broken by a poll without it, the count starts again.
    const again = rig({ cups: [CONNECTING, CONNECTING, CONNECTING, CONNECTING, PENDING, CONNECTING, CONNECTING, CONNECTING, CONNECTING, CONNECTING, PENDING] });
    await visitWithDoctor(again);
    again.printer.print();
    await again.settle();
    const problems: (string | undefined)[] = [];
    for (let i = 0; i < 10; i++) {
      await again.later(2000);
      problems.push(again.printer.get().problem);
    }
    expect(problems).not.toContain('offline');
    expect(again.cancelled).toEqual([]);
    expect(again.printer.get().state).toBe('still-printing');
  });

  it('a job CUPS let go without keeping how it ended (no job history) is never « failed »: « printing » stays, no second copy', async () => {
    const GONE: JobStatus = { job: 'gone', said: 'CUPS no longer lists job CabinPDF-1: it keeps no job history (or purged it), so it printed or was cancelled there' };
    const r = rig({ cups: [NO_PAPER, GONE] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    expect(r.printer.get()).toEqual({ state: 'printing', problem: 'paper' });
    await r.later(2000);
    // The follow ends at once (nothing is left to cancel nor to learn), and the trouble it said is no longer said.
    expect(r.polled).toHaveLength(2);
    expect(r.printer.get()).toEqual({ state: 'printing' });
    expect(r.views).not.toContain('failed');
    expect(r.incidents.at(-1)).toBe(`report of consultation c-1 left the print queue (CabinPDF-1): ${GONE.said}`);
    expect(r.clock.pending).toBe(0);
    expect(r.printer.print()).toEqual({ state: 'printing' });
    await r.later(20_000);
    expect(r.printed).toHaveLength(1);
    expect(r.cancelled).toEqual([]);

    // A held job's cancel at the limit fails because it left the queue meanwhile: not « failed » either.
    const late = rig({ cups: [STOPPED], cancelFails: 'cancel: cancel-job failed: Job #1 does not exist.', afterCancel: GONE });
    await visitWithDoctor(late);
    late.printer.print();
    await late.settle();
    for (let i = 0; i < 10; i++) await late.later(2000);
    expect(late.cancelled).toEqual(['CabinPDF-1']);
    expect(late.printer.get()).toEqual({ state: 'printing' });
    expect(late.incidents.at(-1)).toMatch(/^report of consultation c-1 left the print queue \(CabinPDF-1\): CUPS no longer lists job/);
  });

  it('a stopped queue refused before lp names its trouble', async () => {
    const r = rig({ lp: { ok: false, message: 'the printer is stopped: printer CabinPDF disabled since Mon Dec 7 05:49:10 2026 - Paused', problem: 'stopped' }, cups: [] });
    await visitWithDoctor(r);
    r.printer.print();
    await r.settle();
    expect(r.printer.get()).toMatchObject({ state: 'failed', problem: 'stopped' });
    expect(r.printer.get().cancelled).toBeUndefined();
    expect(r.polled).toEqual([]);
  });
});
