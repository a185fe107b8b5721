import { z } from 'zod';
import type { QueueItem } from '../shared/hub-protocol.ts';
import { NetCheckSchema, type NetCheck } from '../shared/netcheck.ts';
import type { Logger } from '../server/log.ts';
import { Broadcast } from './broadcast.ts';
import type { ClusterBus } from './cluster/bus.ts';
import { QueueEditions } from './queue-editions.ts';
import type { Consultation, HubStore } from './store.ts';

/** What a node says on the `queue` topic besides "the queue changed": a cabin's new network check (noteNetCheck). */
const QueueNewsSchema = z.object({ netcheck: z.object({ cabinId: z.string().min(1).max(200), check: NetCheckSchema.nullable(), waiting: z.boolean() }).strict().optional() }).strict();
type QueueNews = z.infer<typeof QueueNewsSchema>;

export interface QueueFeedOptions<D> {
  store: HubStore;
  log: Logger;
  /** The region's bus: a change is news on the `queue` topic, which every node (this one too) hears. */
  bus?: ClusterBus;
  /** The cabin's open consultations (the relay's batched read, shared with its other reads of them). */
  openOf: (cabinId: string) => Promise<Consultation[]>;
  /** Since when a cabin is not connected anywhere (hub time, ms), or undefined when it is. */
  offlineSince: (cabinId: string, asked: number) => number | undefined;
  send: (to: D, frame: Buffer) => void;
  /** False once the relay closes. */
  open: () => boolean;
  /** An edition reached all this node's doctors, `ms` after the oldest change it carries (the node's metrics). */
  onSent?: (ms: number) => void;
}

/**
 * The waiting queue for this node's doctors (relay.ts): a doctor who connects gets it whole, then each change alone
 * (queue-editions.ts, sent by broadcast.ts); each item with its cabin's latest network check and, if the cabin is away,
 * since when. With a bus, a change anywhere in the region reaches every node's doctors through the `queue` topic.
 */
export class QueueFeed<D> {
  private readonly editions = new QueueEditions();
  private readonly broadcast: Broadcast<D>;
  /** A queue news is due on the bus at the end of this turn of the event loop (changed, with a bus). */
  private newsDue = false;
  /**
   * Each cabin's latest pre-call network check, from its requests, shown with its waiting consultation in the queue.
   * In memory (one per cabin, replaced by each request): after a restart of the hub the cabin's next request brings it.
   */
  private readonly netchecks = new Map<string, NetCheck>();

  constructor(private readonly o: QueueFeedOptions<D>) {
    this.broadcast = new Broadcast<D>({
      read: async () => this.editions.next(await this.read()),
      send: o.send,
      open: o.open,
      onError: (err) => o.log.error({ err }, 'failed to send the queue to the doctors'),
      onSent: o.onSent,
    });
    o.bus?.on('queue', (payload) => this.news(payload));
  }

  /** A doctor (again: `queue-resync`) gets the whole queue with the next edition, then each change. */
  join(doctor: D): void {
    this.broadcast.join(doctor);
  }

  leave(doctor: D): void {
    this.broadcast.leave(doctor);
  }

  /**
   * The queue changed: every doctor of the region gets what changed, once for all the changes of this turn of the event
   * loop (a burst of 100 requests read from the sockets together is one edition, not 100), read from the store then, so
   * it is never older than the change.
   */
  changed(): void {
    const bus = this.o.bus;
    if (!bus) return this.changedHere();
    // Several nodes: every node (this one too) hears it and sends the change to its own doctors; once per turn here.
    if (this.newsDue) return;
    this.newsDue = true;
    setImmediate(() => {
      this.newsDue = false;
      if (!this.o.open()) return;
      bus.publish('queue', '{}').catch((err: unknown) => {
        this.o.log.warn({ err }, 'cluster: failed to tell the other nodes the queue changed (their doctors get it at the next change)');
        this.changedHere();
      });
    });
  }

  /** Something only this node sees changed (a cabin came or went here): this node's doctors get the change. */
  changedHere(): void {
    this.broadcast.changed();
  }

  /**
   * A request's check replaces the cabin's; a changed check of a cabin already waiting is shown to the doctors now.
   * With a bus every node keeps the region's checks (the `queue` news carries it; kept in memory: a node that starts
   * knows the checks of the requests that come after).
   */
  async noteNetCheck(cabinId: string, check: NetCheck | undefined): Promise<void> {
    const before = this.netchecks.get(cabinId);
    this.setNetCheck(cabinId, check);
    if (JSON.stringify(before) === JSON.stringify(check)) return;
    const waiting = (await this.o.openOf(cabinId)).some((c) => c.state === 'waiting');
    if (this.o.bus) {
      const news: QueueNews = { netcheck: { cabinId, check: check ?? null, waiting } };
      try {
        return await this.o.bus.publish('queue', JSON.stringify(news));
      } catch (err) {
        this.o.log.warn({ err }, 'cluster: failed to tell the other nodes of a network check');
      }
    }
    if (waiting) this.changedHere();
  }

  /** The waiting queue, each with its cabin's network check, and since when its cabin is offline if it is. */
  private async read(): Promise<QueueItem[]> {
    return (await this.o.store.queue()).map((q) => {
      const netcheck = this.netchecks.get(q.cabinId);
      const since = this.o.offlineSince(q.cabinId, q.since);
      return { ...q, ...(netcheck && { netcheck }), ...(since !== undefined && { offlineSince: since }) };
    });
  }

  private setNetCheck(cabinId: string, check: NetCheck | undefined): void {
    if (check) this.netchecks.set(cabinId, check);
    else this.netchecks.delete(cabinId);
  }

  /** News on the `queue` topic (every node's, this one's too): the doctors of this node get the change. */
  private news(payload: string): void {
    let news: QueueNews = {};
    try {
      const parsed = QueueNewsSchema.safeParse(JSON.parse(payload));
      if (parsed.success) news = parsed.data;
      else this.o.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'cluster: queue news that cannot be read: the queue is read again anyway');
    } catch {
      this.o.log.warn('cluster: queue news that is not JSON: the queue is read again anyway');
    }
    if (news.netcheck) {
      this.setNetCheck(news.netcheck.cabinId, news.netcheck.check ?? undefined);
      if (!news.netcheck.waiting) return;
    }
    this.changedHere();
  }
}
