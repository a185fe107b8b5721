import type { Clock } from '../../shared/clock.ts';
import type { PrintView } from '../../shared/print.ts';
import type { Logger } from '../../server/log.ts';
import type { KioskConfig } from '../config.ts';
import { cabinLogin } from '../hub/cabin-login.ts';
import { fetchReportPdf, type ReportFetch } from './fetch-report.ts';
import { printPdf } from './lp.ts';
import { PRINT_TITLE, ReportPrinter } from './report-printer.ts';

export { ReportPrinter } from './report-printer.ts';

/**
 * The report printer of this cabin's config: with a printer and a hub, the real one; otherwise one that stays `off`.
 * Each fetch logs in with the cabin's key (a login of its own: the hub link's socket keeps its token).
 */
export function reportPrinter(
  config: Pick<KioskConfig, 'printer' | 'hub' | 'cabinId'>,
  cabinKey: () => string,
  deps: { emit(view: PrintView): void; incident(detail: string): void; log: Logger; clock: Clock },
): ReportPrinter {
  const { printer, hub } = config;
  const fetch = async (id: string): Promise<ReportFetch> => {
    if (!hub) return { ok: false, retry: false, code: 'no-hub', message: 'This cabin has no hub.' };
    let token: string;
    try {
      token = (await cabinLogin(hub.url, config.cabinId, cabinKey())).token;
    } catch (err) {
      return { ok: false, retry: true, code: 'login', message: (err as Error).message };
    }
    return fetchReportPdf(hub.url, token, id);
  };
  return new ReportPrinter({
    ...deps,
    printer: printer && hub ? { auto: printer.auto } : undefined,
    fetch,
    print: (pdf) => printPdf({ printer: printer!.name, ...(printer?.server && { server: printer.server }) }, pdf, PRINT_TITLE),
  });
}
