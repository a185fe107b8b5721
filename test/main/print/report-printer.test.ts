import { describe, expect, it } from 'vitest';
import type { ReportFetch } from '../../../src/main/print/fetch-report.ts';
import type { LpResult } from '../../../src/main/print/lp.ts';
import { ReportPrinter } from '../../../src/main/print/report-printer.ts';
import { silentLogger } from '../../../src/server/log.ts';
import type { CallView, SessionView } from '../../../src/shared/bridge.ts';
import type { PrintView } from '../../../src/shared/print.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

/** The patient's copy at the end of the visit: when it is offered, printed, retried, given up; with fake hub and lp. */
const PDF: ReportFetch = { ok: true, pdf: Buffer.from('%PDF-1.7') };
const NOT_YET: ReportFetch = { ok: false, retry: true, code: 'not-yet', message: 'The doctor has not saved the report yet.' };

function rig(opts: { printer?: { auto: boolean } | null; hub?: ReportFetch[]; lp?: LpResult } = {}) {
  const clock = new ManualClock();
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
    incident: (d) => incidents.push(d),
    log: silentLogger(),
    clock,
    retry: { tries: 3, everyMs: 10_000 },
  });
  const session = (phase: SessionView['phase'], sessionId: string | null = 'visit-1') =>
    printer.onSession({ phase, sessionId, language: 'fr', startedAt: 0, assistant: false, idleWarning: null, readings: [] });
  const call = (state: CallView['state'], consultationId: string | null) =>
    printer.onCall({ state, consultationId, doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null });
  const settle = () => new Promise((r) => setImmediate(r));
  const later = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { printer, clock, asked, printed, views, incidents, session, call, settle, later };
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
    expect(r.incidents).toEqual(['report of consultation c-1 printed (CabinPDF-1)']);
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
