import type { QueueItem } from './hub-protocol.ts';

/** A whole queue (`queue`) or what changed in it (`queue-delta`), as the hub sends them (hub-protocol.ts). */
export type QueueFrame =
  | { type: 'queue'; items: QueueItem[]; rev?: number }
  | { type: 'queue-delta'; base: number; rev: number; upsert: QueueItem[]; remove: string[] };

/**
 * What a frame did to the view: `changed` (items holds the new queue), `stale` (an edition the view already holds or
 * has passed: nothing to do), `gap` (it builds on an edition the view does not hold: ask for the whole queue again,
 * `queue-resync`, and keep showing the queue as it was until it comes).
 */
export type QueueViewResult = 'changed' | 'stale' | 'gap';

/** The order of the hub's queue: first asked first, then by consultation id (bytewise, as both hub databases sort). */
export function queueOrder(a: QueueItem, b: QueueItem): number {
  if (a.since !== b.since) return a.since - b.since;
  return a.consultationId < b.consultationId ? -1 : a.consultationId > b.consultationId ? 1 : 0;
}

/**
 * A doctor's copy of the waiting queue, kept from the hub's frames: a whole queue replaces it, a delta that builds on
 * the edition it holds changes it. Used by the doctor's console, the tests' clients and the load benchmark, so they
 * all read the queue the same way. Never throws.
 */
export class QueueView {
  /** The edition held, -1 before a whole queue with an edition (or from an older hub, which sends no delta). */
  private edition = -1;
  private list: QueueItem[] = [];

  /** The waiting queue as the hub last told it, in the hub's order. */
  get items(): readonly QueueItem[] {
    return this.list;
  }

  get rev(): number {
    return this.edition;
  }

  apply(frame: QueueFrame): QueueViewResult {
    if (frame.type === 'queue') {
      this.list = [...frame.items];
      this.edition = frame.rev ?? -1;
      return 'changed';
    }
    if (this.edition >= 0 && frame.rev <= this.edition) return 'stale';
    if (this.edition < 0 || frame.base !== this.edition) return 'gap';
    const byId = new Map(this.list.map((i) => [i.consultationId, i]));
    for (const id of frame.remove) byId.delete(id);
    for (const item of frame.upsert) byId.set(item.consultationId, item);
    this.list = [...byId.values()].sort(queueOrder);
    this.edition = frame.rev;
    return 'changed';
  }
}
