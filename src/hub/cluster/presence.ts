import { z } from 'zod';
import { presenceKey, type ClusterBus, type Presence } from './bus.ts';

/** A socket came (`on`) or went, at `t` (hub ms), on `node`: what each node tells the others. */
const NewsSchema = z.object({ key: z.string().min(3).max(210), node: z.string().min(1).max(100), on: z.boolean(), t: z.number().finite() }).strict();

/**
 * Which cabins and doctors are connected anywhere in the region, answered at once from memory (the relay asks it
 * inside a transition: is the cabin online for a claim, since when is it away for the queue). Each node keeps this
 * replica from three sources: its own sockets (at once), the others' news (`presence` topic), and a sync at each
 * heartbeat against the bus's entries, which catches what no news says: a node that died (its entries expired) or
 * news lost while Redis was away.
 *
 * Ordering: news from two nodes may arrive in any order. A departure only removes an entry held by the node that
 * reports it, so a cabin that moved from node A to node B is not marked away by A's late news.
 */
export class PresenceView {
  private readonly online = new Map<string, { node: string; since: number }>();
  /** Since when each account last seen is away (hub ms): the queue shows it; one entry per account at most. */
  private readonly away = new Map<string, number>();

  constructor(
    private readonly bus: ClusterBus,
    private readonly now: () => number,
    private readonly o: {
      /** An account came or went on another node (or its node died): the relay updates the queue, the graces. */
      onChange?: (key: string, online: boolean) => void;
      onError?: (err: unknown, what: string) => void;
    } = {},
  ) {
    bus.on('presence', (payload, from) => this.heard(payload, from));
  }

  /** This node took the socket of `p`: known here at once, then to the bus and the other nodes. */
  async connected(p: Presence): Promise<void> {
    const t = Math.floor(this.now());
    this.set(presenceKey(p), this.bus.nodeId, t);
    await this.bus.claim(p);
    await this.bus.publish('presence', JSON.stringify({ key: presenceKey(p), node: this.bus.nodeId, on: true, t }));
  }

  /** The socket of `p` closed on this node. */
  async disconnected(p: Presence): Promise<void> {
    const t = Math.floor(this.now());
    this.unset(presenceKey(p), this.bus.nodeId, t);
    await this.bus.release(p);
    await this.bus.publish('presence', JSON.stringify({ key: presenceKey(p), node: this.bus.nodeId, on: false, t }));
  }

  isOnline(p: Presence): boolean {
    return this.online.has(presenceKey(p));
  }

  /** The node holding the socket of `p`, if any. */
  nodeOf(p: Presence): string | undefined {
    return this.online.get(presenceKey(p))?.node;
  }

  /** Since when `p` is away, if it was seen and is away now. */
  awaySince(p: Presence): number | undefined {
    return this.isOnline(p) ? undefined : this.away.get(presenceKey(p));
  }

  /**
   * The heartbeat: this node's own sockets live another time to live (and are made again if Redis forgot them), then
   * the replica is set to what the bus holds: entries that vanished (a dead node's, expired) are away from now.
   */
  async sync(own: readonly Presence[]): Promise<void> {
    await this.bus.refresh(own);
    const all = await this.bus.all();
    const t = Math.floor(this.now());
    for (const p of own) all.set(presenceKey(p), this.bus.nodeId);
    for (const [key, e] of [...this.online]) if (all.get(key) !== e.node) this.unset(key, e.node, t);
    for (const [key, node] of all) if (this.online.get(key)?.node !== node) this.set(key, node, t);
  }

  private heard(payload: string, from: string): void {
    if (from === this.bus.nodeId) return; // this node's own news: already applied
    let news: z.infer<typeof NewsSchema>;
    try {
      news = NewsSchema.parse(JSON.parse(payload));
    } catch (err) {
      return this.o.onError?.(err, `presence news from ${from} that cannot be read`);
    }
    if (news.node !== from) return this.o.onError?.(new Error('node mismatch'), `presence news from ${from} about another node`);
    if (news.on) this.set(news.key, news.node, news.t);
    else this.unset(news.key, news.node, news.t);
  }

  private set(key: string, node: string, t: number): void {
    const was = this.online.get(key);
    this.online.set(key, { node, since: t });
    this.away.delete(key);
    if (!was) this.o.onChange?.(key, true);
  }

  private unset(key: string, node: string, t: number): void {
    const was = this.online.get(key);
    if (!was || was.node !== node) return;
    this.online.delete(key);
    this.away.set(key, t);
    this.o.onChange?.(key, false);
  }
}
