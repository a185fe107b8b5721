import type { QueueItem } from '../../shared/hub-protocol.ts';

/**
 * Which patients just entered the queue. The hub sends the whole list on every change and again after each
 * reconnection: only a consultation not in the previous list is an arrival, so a refresh, a reconnection or a
 * patient leaving never rings; patients already waiting when the doctor signs in ring once.
 */
export class QueueWatch {
  private seen = new Set<string>();

  /** The items of `items` that were not in the previous list. */
  update(items: readonly QueueItem[]): QueueItem[] {
    const before = this.seen;
    // Only who waits now is remembered: a new visit has a new consultation id anyway.
    this.seen = new Set(items.map((i) => i.consultationId));
    return items.filter((i) => !before.has(i.consultationId));
  }

  /** Signed out: nobody is known any more. */
  reset(): void {
    this.seen = new Set();
  }
}

/** How long a patient has waited, in the units a doctor reads at a glance. */
export type Waiting = { unit: 'now' } | { unit: 'min'; minutes: number } | { unit: 'hour'; hours: number; minutes: number };

/** From the hub's `since` (ms) to now; a clock a little behind the hub's reads "just now", never a negative time. */
export function waitingFor(since: number, now: number): Waiting {
  const minutes = Math.floor(Math.max(0, now - since) / 60_000);
  if (minutes < 1) return { unit: 'now' };
  if (minutes < 60) return { unit: 'min', minutes };
  return { unit: 'hour', hours: Math.floor(minutes / 60), minutes: minutes % 60 };
}

/** The ms until the shown waiting time changes (the next whole minute since `since`), at least 1 s. */
export function nextMinuteIn(since: number, now: number): number {
  const elapsed = Math.max(0, now - since);
  return Math.max(1000, 60_000 - (elapsed % 60_000));
}

/** The tab's icon: a plain dot, or a red badge with the number waiting (9+ beyond nine), as an SVG data URL. */
export function badgeIcon(count: number): string {
  const text = count > 9 ? '9+' : String(count);
  const svg =
    count <= 0
      ? '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#9cc4ff"/></svg>'
      : `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#c62828"/><text x="16" y="22" font-family="sans-serif" font-size="${text.length > 1 ? 15 : 19}" font-weight="700" fill="#fff" text-anchor="middle">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
