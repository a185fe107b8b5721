import { z } from 'zod';
import type { FromHub, Role } from '../../shared/hub-protocol.ts';
import type { Logger } from '../../server/log.ts';
import { presenceKey, type ClusterBus, type Presence } from './bus.ts';
import { PresenceView } from './presence.ts';

/** The part of a `presence` news the relay reads (PresenceView checks it all): who came or went, on which node. */
const PresenceNewsSchema = z.object({ key: z.string(), node: z.string(), on: z.boolean(), t: z.number() }).passthrough();

/** What the link reads of one of the relay's sockets. */
export interface LinkedSocket extends Presence {
  /** When it connected (hub ms): presence news older than this, from another node, does not replace it. */
  since: number;
}

export interface RelayLinkOptions<C extends LinkedSocket> {
  /** The other hub nodes of the region (RelayOptions.bus). None: a hub alone, and the link looks only at `conns`. */
  bus?: ClusterBus;
  /** Hub time (ms). */
  now: () => number;
  log: Logger;
  /** The relay's current socket of each account, by `role:id` (its own map: the relay writes it, the link reads it). */
  conns: ReadonlyMap<string, C>;
  send: (to: C, msg: FromHub) => void;
  /** A frame already serialised (one routed here by another node). */
  sendFrame: (to: C, frame: string) => void;
  /** True once the relay closes. */
  closing: () => boolean;
  /**
   * The account of `old` connected on `node` after `old` did here: the relay takes `old` out of its maps first (its
   * close is a replacement, not a departure), then closes it as replaced.
   */
  replaced: (old: C, node: string) => void;
  /** A cabin is back, on another node: the relay cancels its graces here. */
  cabinBack: (id: string) => void;
  /** An account left another node without news from it (presenceChanged): the relay takes over what follows. */
  goneUnheard: (role: Role, id: string) => void;
  /** Another node closed a session (logout): the relay closes its sockets here. */
  revoked: (sid: string) => void;
  /** Another node wrote this consultation's state: the relay forgets what it remembers of it. */
  written: (consultationId: string) => void;
}

/**
 * The relay's link to the other nodes of its region (relay.ts; the bus: bus.ts): who is connected where (a replica
 * kept by presence.ts, with the news and the heartbeat's sync), messages for sockets another node holds, and the news
 * of sessions revoked and consultations written. Without a bus it answers from the relay's own sockets alone.
 */
export class RelayLink<C extends LinkedSocket> {
  /** Who is connected on any node of the region (with a bus): the claim's "cabin online", the queue's, peerPresent. */
  private readonly presence: PresenceView | undefined;
  /** The key of the last departure heard as news from its node (that node runs its graces), read by presenceChanged. */
  private heardOff: string | undefined;

  constructor(private readonly o: RelayLinkOptions<C>) {
    const bus = o.bus;
    if (!bus) return;
    // Before the PresenceView's own listener: a departure heard as news is told apart from one a sync found.
    bus.on('presence', (payload, from) => this.heardPresence(payload, from));
    this.presence = new PresenceView(bus, o.now, {
      onChange: (k, online) => this.presenceChanged(k, online),
      onError: (err, what) => o.log.warn({ err }, `cluster: ${what}`),
    });
    bus.onRouted((m) => {
      const to = o.conns.get(presenceKey(m.to));
      if (to) o.sendFrame(to, m.frame);
    });
    bus.on('revoke', (sid) => o.revoked(sid));
    // Another node wrote a consultation: what this one remembers of it is read again at its next signal.
    bus.on('consultation', (id, from) => {
      if (from !== bus.nodeId && id.length <= 200) o.written(id);
    });
    // Redis came back (restarted empty, perhaps): this node's sockets are claimed again at once.
    bus.onReconnect(() => void this.syncPresence());
  }

  /** Whether there are other nodes (a bus): the presence of the region is kept, and asked. */
  get clustered(): boolean {
    return this.presence !== undefined;
  }

  /** Whether the account has a socket on this node or (with a bus) on another one. */
  online(role: Role, id: string): boolean {
    return this.o.conns.has(presenceKey({ role, id })) || (this.presence?.isOnline({ role, id }) ?? false);
  }

  /** Since when `p` is away as the region saw it (with a bus), if it was seen and is away now. */
  awaySince(p: Presence): number | undefined {
    return this.presence?.awaySince(p);
  }

  /** Away as the region saw it (it left another node, or that node died): read before this node claims it. */
  movedHere(p: Presence): boolean {
    return this.presence !== undefined && (this.presence.awaySince(p) !== undefined || (this.presence.nodeOf(p) ?? this.o.bus!.nodeId) !== this.o.bus!.nodeId);
  }

  /**
   * This node took the socket of `p` (with a bus): what the other nodes send this account from now on comes here (the
   * older socket elsewhere is closed as replaced when its node hears it). Redis away: the heartbeat claims it again.
   */
  async claim(p: Presence): Promise<void> {
    if (this.presence) await this.presence.connected(p).catch((err: unknown) => this.o.log.warn({ err, role: p.role, id: p.id }, 'cluster: failed to claim the presence of a socket'));
  }

  /**
   * The last socket of `p` on this node closed (with a bus): its presence is released, and true when it is already
   * back on another node (its news not heard here yet): that node carries on, nothing is away.
   */
  async release(p: Presence): Promise<boolean> {
    const bus = this.o.bus;
    if (!this.presence || !bus) return false;
    this.heardOff = presenceKey(p); // this node's own departure: the relay runs the graces itself
    await this.presence.disconnected(p).catch((err: unknown) => this.o.log.warn({ err, role: p.role, id: p.id }, 'cluster: failed to release the presence of a socket'));
    const node = await bus.where(p).catch(() => this.presence?.nodeOf(p) ?? null);
    return node !== null && node !== bus.nodeId;
  }

  /**
   * The relay closes: its entries go at once (the clients reconnect to other nodes), but without news: the other nodes
   * find them gone at their next heartbeat and take over the graces of the cabins that do not come back
   * (presenceChanged). The releases, settled, for close() to wait on.
   */
  releaseAll(): Promise<unknown>[] {
    const bus = this.o.bus;
    return bus ? this.own().map((p) => bus.release(p).catch(() => undefined)) : [];
  }

  /** Whether the bus holds an entry for `p` (with a bus; the bus away: whether this node's view has it online). */
  async heldSomewhere(p: Presence): Promise<boolean> {
    const bus = this.o.bus;
    return bus !== undefined && (await bus.where(p).catch(() => (this.online(p.role, p.id) ? 'elsewhere' : null))) !== null;
  }

  /**
   * The heartbeat's presence: this node's entries live another time to live (made again if Redis forgot them), and the
   * view of the others is set to what the bus holds. A failure (Redis away) is logged; the next beat tries again.
   */
  async syncPresence(): Promise<void> {
    if (!this.presence || this.o.closing()) return;
    try {
      await this.presence.sync(this.own());
    } catch (err) {
      this.o.log.warn({ err }, 'cluster: failed to refresh the presence of this node\'s sockets');
    }
  }

  /**
   * A message for an account's socket: here, or (with a bus) through the node that holds it. False when no node does
   * (or Redis is away): the message is lost, and the protocol's resend-until-acknowledged and the views sent on each
   * return cover it, as for a side that is away on one node.
   */
  async sendTo(p: Presence, msg: FromHub): Promise<boolean> {
    const here = this.o.conns.get(presenceKey(p));
    if (here) {
      this.o.send(here, msg);
      return true;
    }
    const bus = this.o.bus;
    if (!bus) return false;
    try {
      // The presence replica first (kept by news, within ms): no round trip to Redis for each relayed signal.
      const node = this.presence?.nodeOf(p) ?? (await bus.where(p));
      if (node === null || node === bus.nodeId) return false;
      await bus.route(node, { to: p, frame: JSON.stringify(msg) });
      return true;
    } catch (err) {
      this.o.log.warn({ err, to: presenceKey(p), type: msg.type }, 'cluster: failed to route a message to another node');
      return false;
    }
  }

  /**
   * A session ended in this process (logout): every other node of the region closes its sockets (the `revoke` news).
   * If the news is lost (Redis away), the other nodes close them at their heartbeat, which asks the store.
   */
  tellRevoked(sid: string): void {
    this.o.bus?.publish('revoke', sid).catch((err: unknown) => this.o.log.warn({ err }, 'cluster: failed to tell the other nodes of a logout (their heartbeat will)'));
  }

  /** A consultation's state was written here: the other nodes forget what they remember of it when they hear it. */
  tellWritten(id: string): void {
    this.o.bus?.publish('consultation', id).catch((err: unknown) => {
      this.o.log.warn({ err, consultation: id }, 'cluster: failed to tell the other nodes of a consultation written (they read it again within 30 s)');
    });
  }

  /** The accounts whose socket this node holds. */
  private own(): Presence[] {
    return [...this.o.conns.values()].map((c) => ({ role: c.role, id: c.id }));
  }

  /**
   * Presence news from another node, read before the PresenceView applies it: an account that connected there while
   * this node holds its socket was replaced (the newer connection carries on, as on one node); a cabin back there
   * needs no grace here.
   */
  private heardPresence(payload: string, from: string): void {
    if (!this.o.bus || from === this.o.bus.nodeId) return;
    let news: z.infer<typeof PresenceNewsSchema>;
    try {
      const parsed = PresenceNewsSchema.safeParse(JSON.parse(payload));
      if (!parsed.success) return; // PresenceView reports it
      news = parsed.data;
    } catch {
      return;
    }
    this.heardOff = news.on ? undefined : news.key;
    if (!news.on || news.node !== from) return;
    const old = this.o.conns.get(news.key);
    // A news that took longer than the client's move back here is about the socket before this one.
    if (old && old.since <= news.t) this.o.replaced(old, from);
    if (news.key.startsWith('cabin:')) this.o.cabinBack(news.key.slice('cabin:'.length));
  }

  /**
   * An account came or went on another node, as this node's view of presence changed. A cabin back: its graces here
   * are cancelled. An account gone without news from its node (the sync found its entry expired: the node died, or
   * closed): this node's sockets on the other side of its active consultations are told their peer is away; a cabin's
   * graces are taken over (every node that notices does; the first `abandoned` wins, the others change nothing) and
   * the queue shows it offline (the relay's goneUnheard).
   */
  private presenceChanged(k: string, online: boolean): void {
    const heard = this.heardOff === k;
    this.heardOff = undefined;
    const at = k.indexOf(':');
    const role = k.slice(0, at);
    const id = k.slice(at + 1);
    if (this.o.closing() || (role !== 'cabin' && role !== 'doctor')) return;
    if (online) return role === 'cabin' ? this.o.cabinBack(id) : undefined;
    if (heard || this.o.conns.has(k)) return;
    this.o.goneUnheard(role, id);
  }
}
