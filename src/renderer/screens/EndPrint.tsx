import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeClient } from '../../shared/bridge.ts';
import type { PrintView } from '../../shared/print.ts';
import { useBridge } from '../bridge/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';

/**
 * The patient's copy of the report on the end screen (main: src/main/print/). A big button when a printer is
 * configured and a doctor saw this visit: the patient chooses (a copy nobody asked for would lie in a shared cabin's
 * tray); a site may print without the press (`printer.auto`). Then what happens, in plain words, until CUPS says the
 * copy is printed: the printer's trouble the assistant can fix (no paper…), a job cancelled so that it does not come
 * out for the next patient, one still printing.
 */
export function EndPrint() {
  const bridge = useBridge();
  const [view, setView] = useState<PrintView | null>(null);
  const source = useRef<PrintViewSource | null>(null);
  useEffect(() => {
    const s = printViewSource(bridge, setView);
    source.current = s;
    return () => {
      s.stop();
      source.current = null;
    };
  }, [bridge]);
  const print = (): void => source.current?.print();
  // Said as it happens (a patient who pressed the button may not read the answer), the same words as shown.
  useAutoSpeak(printWords(view));
  return <EndPrintView view={view} onPrint={print} />;
}

export interface PrintViewSource {
  /** The patient pressed the button: `print:report`. */
  print(): void;
  stop(): void;
}

/**
 * The print's view as main tells it: its `print` events, and the answers of `print:get` (the view on arrival) and
 * `print:report` (the press). An answer is the view when main answered, and an event may overtake it (the report
 * fetched and given to lp while the answer is on its way): an answer is taken only when no event came since the
 * question was asked. Main sends an event for each change, in order, so such an event is never older than the answer,
 * and the screen never goes back to « se prépare » after « s'imprime ».
 */
export function printViewSource(bridge: BridgeClient, set: (view: PrintView) => void): PrintViewSource {
  let events = 0;
  let stopped = false;
  const off = bridge.on('print', (v) => {
    events++;
    set(v);
  });
  const ask = (name: 'print:get' | 'print:report'): void => {
    const seen = events;
    void bridge.call(name, {}).then((r) => {
      if (!stopped && r.ok && events === seen) set(r.value);
    });
  };
  ask('print:get');
  return {
    print: () => {
      if (!stopped) ask('print:report');
    },
    stop() {
      stopped = true;
      off();
    },
  };
}

/**
 * The translation keys of what the end screen says of the print, in order: the printer's trouble first (what the
 * assistant must fix), then what becomes of the copy. Empty when there is nothing to say (the button, no printer).
 */
export function printWords(view: PrintView | null): string[] {
  if (!view) return [];
  const problem = view.problem ? [`end.print.problem.${view.problem}`] : [];
  switch (view.state) {
    case 'preparing':
      return ['end.print.preparing'];
    case 'printing':
      return view.problem ? [...problem, 'end.print.waiting'] : ['end.print.printing'];
    case 'printed':
      return ['end.print.printed'];
    case 'still-printing':
      return ['end.print.stillPrinting'];
    case 'failed':
      return [...problem, view.cancelled ? 'end.print.cancelled' : 'end.print.failed'];
    default:
      return [];
  }
}

/** What the end screen shows of the print, for a view (nothing without a printer or a report to print). */
export function EndPrintView({ view, onPrint }: { view: PrintView | null; onPrint: () => void }) {
  const { t } = useTranslation();
  if (!view || view.state === 'off' || view.state === 'none') return null;
  const words = printWords(view);
  // What needs the assistant is an alert (read out by a screen reader at once); the rest a polite status.
  const trouble = view.state === 'failed' || view.state === 'still-printing' || view.problem !== undefined;
  return (
    <div className="end-print" data-testid="end-print" data-state={view.state}>
      {view.state === 'ready' && (
        <button type="button" className="btn btn-secondary btn-huge" onClick={onPrint} data-testid="print-report">
          {t('end.print.button')}
        </button>
      )}
      {words.length > 0 &&
        (trouble ? (
          <p className="lead" role="alert" data-testid="print-status" data-problem={view.problem}>
            {words.map((k) => t(k)).join(' ')}
          </p>
        ) : (
          <p className="lead" role="status" aria-live="polite" data-testid="print-status">
            {words.map((k) => t(k)).join(' ')}
          </p>
        ))}
      {view.state === 'failed' && (
        <button type="button" className="btn btn-secondary btn-big" onClick={onPrint} data-testid="print-retry">
          {t('end.print.retry')}
        </button>
      )}
    </div>
  );
}
