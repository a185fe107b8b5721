import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Logger } from '../../server/log.ts';
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

/**
 * The device host's log lines into main's log, under a cap on their rate and size, so a chatty or hostile host cannot
 * flood main (or, through `kept`, the audit log). Dropped lines are counted in one warning when lines flow again.
 */
export class HostLogSink {
  private readonly limiter: RateLimiterMemory;
  private dropped = 0;

  constructor(
    private readonly log: Logger,
    /** Called with each line kept (the supervisor turns warnings and errors into incidents). */
    private readonly kept: (m: HostLog) => void = () => undefined,
    private readonly cap: HostLogCap = DEFAULT_HOST_LOG_CAP,
  ) {
    this.limiter = new RateLimiterMemory({ points: cap.lines, duration: cap.windowS });
  }

  /** Settles once the line is written or dropped. */
  write(m: HostLog): Promise<void> {
    return this.limiter.consume('host').then(
      () => {
        if (this.dropped > 0) {
          this.log.warn({ dropped: this.dropped }, `${this.dropped} lines of the device host were dropped (over ${this.cap.lines} in ${this.cap.windowS} s)`);
          this.dropped = 0;
        }
        const line = clipHostLog(m, this.cap);
        this.log[line.level](line.fields ? { detail: line.fields } : {}, line.message);
        this.kept(line);
      },
      () => {
        this.dropped++;
      },
    ).catch((err: unknown) => this.log.error({ err }, 'a line of the device host could not be written'));
  }
}
