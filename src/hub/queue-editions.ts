import type { FromHub, QueueItem } from '../shared/hub-protocol.ts';
import type { Edition } from './broadcast.ts';

/**
 * The editions of a node's waiting queue for its doctors (Broadcast): each read of the queue is compared with the last,
 * item by item as JSON; what differs is the next edition's `queue-delta` (a few hundred bytes a change, where the whole
 * queue is 25 KB at 500 waiting, sent to 2,000 doctors: issue 14). A doctor who joins gets the whole queue with its
 * edition number (`queue`), and applies the deltas that build on it (src/shared/queue-view.ts).
 *
 * Editions are this node's own: a doctor who moves to another node gets that node's whole queue on connecting.
 */
export class QueueEditions {
  private rev = 0;
  /** The last read: consultation id → the item as JSON (to compare), in the hub's order. */
  private last = new Map<string, string>();
  private items: QueueItem[] = [];
  private wholeFrame: Buffer | null = null;

  /** The next edition from a read of the queue (in the hub's order); no change if it is the same as the last. */
  next(items: QueueItem[]): Edition {
    const now = new Map<string, string>();
    const upsert: QueueItem[] = [];
    for (const item of items) {
      const json = JSON.stringify(item);
      now.set(item.consultationId, json);
      if (this.last.get(item.consultationId) !== json) upsert.push(item);
    }
    const remove = [...this.last.keys()].filter((id) => !now.has(id));
    let change: Buffer | null = null;
    if (upsert.length > 0 || remove.length > 0) {
      const base = this.rev++;
      change = Buffer.from(JSON.stringify({ type: 'queue-delta', base, rev: this.rev, upsert, remove } satisfies FromHub));
      this.last = now;
      this.items = items;
      this.wholeFrame = null;
    }
    return { change, whole: () => this.whole() };
  }

  /** The whole queue of the current edition (serialised once per edition, for everyone who joins in it). */
  whole(): Buffer {
    this.wholeFrame ??= Buffer.from(JSON.stringify({ type: 'queue', items: this.items, rev: this.rev } satisfies FromHub));
    return this.wholeFrame;
  }
}
