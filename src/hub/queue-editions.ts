import type { FromHub, QueueItem } from '../shared/hub-protocol.ts';
import type { Edition } from './broadcast.ts';

/** Editions kept to build a delta from (Edition.from): a doctor behind by more gets the whole queue. */
export const EDITIONS_KEPT = 16;

/** One edition of the queue: its items in the hub's order, and each as JSON by consultation id (to compare). */
interface Snapshot {
  items: QueueItem[];
  json: Map<string, string>;
}

/**
 * The editions of a node's waiting queue for its doctors (Broadcast): each read of the queue is compared with the last,
 * item by item as JSON; a read that differs is the next edition. A doctor who holds an earlier edition gets what
 * changed since it (`queue-delta`: a few hundred bytes a change, where the whole queue is 25 KB at 500 waiting, sent to
 * 2,000 doctors: issue 14), built from the last EDITIONS_KEPT editions: a doctor still waiting for one edition when the
 * next is read gets the newer one straight away, from the edition it holds (broadcast.ts). A doctor who joins, or who
 * is further behind, gets the whole queue with its edition number (`queue`); either way it applies what comes with
 * src/shared/queue-view.ts.
 *
 * Editions are this node's own: a doctor who moves to another node gets that node's whole queue on connecting.
 */
export class QueueEditions {
  private rev = 0;
  private readonly kept = new Map<number, Snapshot>([[0, { items: [], json: new Map() }]]);

  /** The edition of a read of the queue (in the hub's order): the last one again if nothing changed. */
  next(items: QueueItem[]): Edition {
    const last = this.kept.get(this.rev)!;
    const json = new Map<string, string>();
    let changed = items.length !== last.json.size;
    for (const item of items) {
      const j = JSON.stringify(item);
      json.set(item.consultationId, j);
      if (!changed && last.json.get(item.consultationId) !== j) changed = true;
    }
    if (changed) {
      this.rev++;
      this.kept.set(this.rev, { items, json });
      this.kept.delete(this.rev - EDITIONS_KEPT);
    }
    return this.edition(this.rev);
  }

  private edition(rev: number): Edition {
    const now = this.kept.get(rev)!;
    // Each frame serialised once per edition, for every doctor who needs it.
    let whole: Buffer | undefined;
    const deltas = new Map<number, Buffer>();
    const wholeFrame = (): Buffer => (whole ??= Buffer.from(JSON.stringify({ type: 'queue', items: now.items, rev } satisfies FromHub)));
    return {
      rev,
      whole: wholeFrame,
      from: (base) => {
        const then = base < rev ? this.kept.get(base) : undefined;
        if (!then) return wholeFrame();
        let frame = deltas.get(base);
        if (!frame) {
          const upsert = now.items.filter((item) => then.json.get(item.consultationId) !== now.json.get(item.consultationId));
          const remove = [...then.json.keys()].filter((id) => !now.json.has(id));
          frame = Buffer.from(JSON.stringify({ type: 'queue-delta', base, rev, upsert, remove } satisfies FromHub));
          deltas.set(base, frame);
        }
        return frame;
      },
    };
  }
}
