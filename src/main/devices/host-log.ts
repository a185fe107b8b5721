import type { Logger } from '../../server/log.ts';
import { systemClock, type Clock } from '../../shared/clock.ts';
import type { HostMessage } from '../../shared/device-host.ts';

type HostLog = Extract<HostMessage, { type: 'log' }>;

export interface HostLogCap {
  /** Lines kept per window; the others are counted and dropped. */
  lines: number;
  windowS: number;
  /** Longest message kept (characters), longest field value, most fields. */
  messageChars: number;
  fieldChars: number;
  fields: number;
}

export const DEFAULT_HOST_LOG_CAP: HostLogCap = { lines: 100, windowS: 10, messageChars: 1000, fieldChars: 200, fields: 20 };

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A line cut to the cap's sizes. */
export function clipHostLog(m: HostLog, cap: HostLogCap = DEFAULT_HOST_LOG_CAP): HostLog {
  const fields = m.fields && Object.fromEntries(Object.entries(m.fields).slice(0, cap.fields).map(([k, v]) => [k, typeof v === 'string' ? clip(v, cap.fieldChars) : v]));
  return { type: 'log', level: m.level, message: clip(m.message, cap.messageChars), ...(fields ? { fields } : {}) };
}

/** A fixed window's count of lines kept and dropped. */
interface Budget {
  kept: number;
  dropped: number;
}

/**
 * The device host's log lines into main's log, under a cap on their rate and size, so a chatty or hostile host cannot
 * flood main (or, through `kept`, the audit log). Warnings and errors have their own budget, so a chatty driver cannot
 * hide an incident; lines below main's level use none. Synchronous (a counter on the clock), so lines and incidents keep
 * their order (a host's last error comes before "Device host exited"). Dropped lines are counted in one warning, and
 * one incident for warnings and errors, when the window ends (or at `flush`).
 */
export class HostLogSink {
  private windowStart: number;
  private readonly quiet: Budget = { kept: 0, dropped: 0 };
  private readonly loud: Budget = { kept: 0, dropped: 0 };

  constructor(
    private readonly log: Logger,
    /** Called with each line kept (the supervisor turns warnings and errors into incidents). */
    private readonly kept: (m: HostLog) => void = () => undefined,
    private readonly cap: HostLogCap = DEFAULT_HOST_LOG_CAP,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.windowStart = clock.now();
  }

  write(m: HostLog): void {
    const loud = m.level === 'warn' || m.level === 'error';
    if (!loud && !this.log.isLevelEnabled(m.level)) return;
    if (this.clock.now() - this.windowStart >= this.cap.windowS * 1000) {
      this.flush();
      this.windowStart = this.clock.now();
    }
    const budget = loud ? this.loud : this.quiet;
    if (budget.kept >= this.cap.lines) {
      budget.dropped++;
      return;
    }
    budget.kept++;
    const line = clipHostLog(m, this.cap);
    this.log[line.level](line.fields ? { detail: line.fields } : {}, line.message);
    this.kept(line);
  }

  /** Says how many lines were dropped since the last time, and starts the budgets again. */
  flush(): void {
    const over = `over ${this.cap.lines} in ${this.cap.windowS} s`;
    if (this.quiet.dropped > 0) {
      const dropped = this.quiet.dropped;
      this.log.warn({ dropped }, `${dropped} lines of the device host were dropped (${over})`);
    }
    if (this.loud.dropped > 0) {
      const message = `${this.loud.dropped} warnings and errors of the device host were dropped (${over})`;
      this.log.warn({ dropped: this.loud.dropped }, message);
      this.kept({ type: 'log', level: 'warn', message });
    }
    for (const b of [this.quiet, this.loud]) Object.assign(b, { kept: 0, dropped: 0 });
  }
}
