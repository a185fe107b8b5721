import { createLogger, type Logger } from '../server/log.ts';
import type { HostLogLevel, HostMessage } from '../shared/device-host.ts';

/** pino's numeric levels as the host protocol's: trace is debug, fatal is error. */
export function hostLevel(level: number): HostLogLevel {
  if (level >= 50) return 'error';
  if (level >= 40) return 'warn';
  if (level >= 30) return 'info';
  return 'debug';
}

/** The protocol's `log` message for one of pino's JSON lines; fields that are not plain values travel as JSON. */
export function hostLogMessage(line: string): Extract<HostMessage, { type: 'log' }> {
  const o = JSON.parse(line) as Record<string, unknown>;
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, ...rest } = o;
  const fields = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [k, v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as string | number | boolean | null) : JSON.stringify(v)]),
  );
  return {
    type: 'log',
    level: hostLevel(typeof level === 'number' ? level : 30),
    message: typeof msg === 'string' ? msg : '',
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}

/**
 * The device host's root logger: the shared one (same levels, same censoring of secrets and patient fields at the
 * source), whose lines go to cabin main as `log` messages (main writes them to its own log and caps what a host may
 * say). `flushed` settles once every line sent so far is out (before the host exits).
 */
export function hostLogger(send: (m: HostMessage) => Promise<void>, level?: 'debug' | 'info' | 'warn' | 'error' | 'silent'): { log: Logger; flushed(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  const destination = {
    write(line: string): void {
      const p = send(hostLogMessage(line)).finally(() => pending.delete(p));
      pending.add(p);
    },
  };
  const log = createLogger({ name: 'device-host', ...(level ? { level } : {}), destination });
  return { log, flushed: async () => void (await Promise.all(pending)) };
}
