import type { Clock } from '../../shared/clock.ts';
import type { PrintView } from '../../shared/print.ts';
import type { Logger } from '../../server/log.ts';
import type { KioskConfig } from '../config.ts';
import { cabinLogin } from '../hub/cabin-login.ts';
import { fetchReportPdf, type ReportFetch } from './fetch-report.ts';
import { FOLLOW, followJob } from './follow.ts';
import { cachedToken } from './hub-token.ts';
import { printPdf, type LpTarget } from './lp.ts';
import { cancelJob, jobStatus } from './lpstat.ts';
import { PRINT_TITLE, ReportPrinter } from './report-printer.ts';

export { ReportPrinter } from './report-printer.ts';

/**
 * The report printer of this cabin's config: with a printer and a hub, the real one; otherwise one that stays `off`.
 * It logs in with the cabin's key (a login of its own: the hub link's socket keeps its token), prints with lp and
 * follows the job with lpstat every 2 s for 2 minutes (`follow`: a test's shorter ones).
 */
export function reportPrinter(
  config: Pick<KioskConfig, 'printer' | 'hub' | 'cabinId'>,
  cabinKey: () => string,
  deps: { emit(view: PrintView): void; incident(detail: string): void; log: Logger; clock: Clock; follow?: { everyMs: number; limitMs: number } },
): ReportPrinter {
  const { printer, hub } = config;
  if (!printer) deps.log.info('no printer configured: the patient’s copy of the report is not printed (config `printer`)');
  else if (!hub) deps.log.warn({ printer: printer.name }, 'a printer is configured but no hub: there is no report to print');
  const token = hub ? cachedToken(() => cabinLogin(hub.url, config.cabinId, cabinKey()), deps.clock) : undefined;
  const fetch = async (id: string): Promise<ReportFetch> => {
    if (!hub || !token) return { ok: false, retry: false, code: 'no-hub', message: 'This cabin has no hub.' };
    let bearer: string;
    try {
      bearer = await token.get();
    } catch (err) {
      return { ok: false, retry: true, code: 'login', message: (err as Error).message };
    }
    const got = await fetchReportPdf(hub.url, bearer, id);
    if (!got.ok && (got.code === 'bad-token' || got.code === 'session-expired')) token.forget();
    return got;
  };
  const target: LpTarget | undefined = printer && { printer: printer.name, ...(printer.server && { server: printer.server }) };
  const { follow: every = FOLLOW, ...rest } = deps;
  return new ReportPrinter({
    ...rest,
    printer: printer && hub ? { auto: printer.auto } : undefined,
    fetch,
    print: (pdf) => printPdf(target!, pdf, PRINT_TITLE),
    follow: (job, onPending) =>
      followJob({ status: () => jobStatus(target!, job), cancel: () => cancelJob(target!, job), onPending, clock: deps.clock, ...every }),
  });
}
