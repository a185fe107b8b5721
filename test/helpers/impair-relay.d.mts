import type { Impairment } from './impair.ts';

export type Counter = 'forwarded' | 'lost' | 'queueDrops';
export interface RelayCore {
  port: number;
  set(next: Impairment): void;
  close(): Promise<void>;
}
export function startRelayCore(target: { host: string; port: number }, initial: Impairment, count: (name: Counter) => void): Promise<RelayCore>;
