import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrintView } from '../../shared/print.ts';
import { useBridge } from '../bridge/context.tsx';
import { useAutoSpeak } from '../speech/use-auto-speak.ts';

/**
 * The patient's copy of the report on the end screen (main: src/main/print/). A big button when a printer is
 * configured and a doctor saw this visit: the patient chooses (a copy nobody asked for would lie in a shared cabin's
 * tray); a site may print without the press (`printer.auto`). Then what happens, in plain words.
 */
export function EndPrint() {
  const bridge = useBridge();
  const [view, setView] = useState<PrintView | null>(null);
  useEffect(() => {
    let fromEvent = false;
    let stopped = false;
    const off = bridge.on('print', (v) => {
      fromEvent = true;
      setView(v);
    });
    void bridge.call('print:get', {}).then((r) => {
      if (!stopped && r.ok && !fromEvent) setView(r.value);
    });
    return () => {
      stopped = true;
      off();
    };
  }, [bridge]);
  const print = (): void => {
    void bridge.call('print:report', {}).then((r) => r.ok && setView(r.value));
  };
  // Said as it happens (a patient who pressed the button may not read the answer): preparing, printing, failed.
  useAutoSpeak(view && (view.state === 'preparing' || view.state === 'printing' || view.state === 'failed') ? [`end.print.${view.state}`] : []);
  return <EndPrintView view={view} onPrint={print} />;
}

/** What the end screen shows of the print, for a view (nothing without a printer or a report to print). */
export function EndPrintView({ view, onPrint }: { view: PrintView | null; onPrint: () => void }) {
  const { t } = useTranslation();
  if (!view || view.state === 'off' || view.state === 'none') return null;
  return (
    <div className="end-print" data-testid="end-print" data-state={view.state}>
      {view.state === 'ready' && (
        <button type="button" className="btn btn-secondary btn-huge" onClick={onPrint} data-testid="print-report">
          {t('end.print.button')}
        </button>
      )}
      {(view.state === 'preparing' || view.state === 'printing') && (
        <p className="lead" role="status" aria-live="polite" data-testid="print-status">
          {t(`end.print.${view.state}`)}
        </p>
      )}
      {view.state === 'failed' && (
        <>
          <p className="lead" role="alert" data-testid="print-status">
            {t('end.print.failed')}
          </p>
          <button type="button" className="btn btn-secondary btn-big" onClick={onPrint} data-testid="print-retry">
            {t('end.print.retry')}
          </button>
        </>
      )}
    </div>
  );
}
