import type { Role } from '../../shared/hub-protocol.ts';

/**
 * What crosses hub nodes (issue 14; ../shared/reference/scale-care.md §1.4): which node holds each cabin's and
 * doctor's socket (presence, with a time to live refreshed by the heartbeat, so a dead node's entries vanish by
 * themselves), a frame for a socket another node holds (one channel per node), and news every node acts on (the
 * queue changed, a session was revoked). One hub alone runs on `MemoryBus`; a region's nodes on `RedisBus`.
 *
 * Nothing here is durable: a lost message costs a resend (the protocol resends until acknowledged, the doctors read
 * the queue again on every change), a lost presence entry is claimed again by its node at the next heartbeat.
 */

/** A socket's owner: a cabin or a doctor account. */
export interface Presence {
  role: Role;
  id: string;
}

/** A frame, already serialised, for the socket of `to`, which another node holds. */
export interface RoutedFrame {
  to: Presence;
  frame: string;
}

/**
 * News for every node, the sender's included: `queue` (the waiting queue changed), `revoke` (a session ended: its sid),
 * `presence` (a socket came or went: src/hub/cluster/presence.ts), `consultation` (a consultation's state was written:
 * its id; each node forgets what it remembered of it, src/hub/consultation/live.ts).
 */
export type Topic = 'queue' | 'revoke' | 'presence' | 'consultation';
export const TOPICS: readonly Topic[] = ['queue', 'revoke', 'presence', 'consultation'];

export interface ClusterBus {
  readonly nodeId: string;
  /** This node holds the socket of `p` now (replacing the node that held it before, if any). */
  claim(p: Presence): Promise<void>;
  /** The socket of `p` closed here: its entry goes, unless another node holds it by now. */
  release(p: Presence): Promise<void>;
  /**
   * The heartbeat: this node's entries live another time to live. An entry that vanished (Redis restarted empty) is
   * made again; one another node holds now (the client reconnected elsewhere) is left to it.
   */
  refresh(ps: readonly Presence[]): Promise<void>;
  /** The node that holds the socket of `p`, or null when none does. */
  where(p: Presence): Promise<string | null>;
  /** Every entry (`role:id` → node), for a node to catch up with what it did not hear (another node died). */
  all(): Promise<Map<string, string>>;
  /** Sends a frame to `node`, for its socket of `m.to`. */
  route(node: string, m: RoutedFrame): Promise<void>;
  onRouted(fn: (m: RoutedFrame) => void): void;
  /** News for every node (this one included). */
  publish(topic: Topic, payload: string): Promise<void>;
  on(topic: Topic, fn: (payload: string, fromNode: string) => void): void;
  /** After the link to the bus came back (Redis restarted, or the network): the node claims its sockets again. */
  onReconnect(fn: () => void): void;
  close(): Promise<void>;
}

export const presenceKey = (p: Presence): string => `${p.role}:${p.id}`;

/**
 * Handlers of one node, shared by both kinds of bus: each handler runs on its own, and one that throws is reported,
 * never taking the others (or the bus) with it.
 */
export class Handlers {
  readonly routed: ((m: RoutedFrame) => void)[] = [];
  readonly topics = new Map<Topic, ((payload: string, fromNode: string) => void)[]>();
  readonly reconnect: (() => void)[] = [];

  constructor(private readonly onError: (err: unknown, what: string) => void) {}

  emitRouted(m: RoutedFrame): void {
    for (const fn of this.routed) this.safely(() => fn(m), 'a routed frame');
  }

  emitTopic(topic: Topic, payload: string, from: string): void {
    for (const fn of this.topics.get(topic) ?? []) this.safely(() => fn(payload, from), `news on ${topic}`);
  }

  emitReconnect(): void {
    for (const fn of this.reconnect) this.safely(fn, 'the reconnection');
  }

  on(topic: Topic, fn: (payload: string, fromNode: string) => void): void {
    const list = this.topics.get(topic) ?? [];
    list.push(fn);
    this.topics.set(topic, list);
  }

  private safely(fn: () => void, what: string): void {
    try {
      fn();
    } catch (err) {
      this.onError(err, what);
    }
  }
}

/**
 * The nodes of one process (a single hub, or a test's several nodes): presence in a map, messages delivered on the
 * next turn of the event loop, as a network would (never inside the sender's call).
 */
export class MemoryNetwork {
  readonly presence = new Map<string, string>();
  readonly nodes = new Map<string, Handlers>();
}

export class MemoryBus implements ClusterBus {
  private readonly handlers: Handlers;
  private closed = false;

  constructor(
    readonly nodeId: string,
    private readonly net: MemoryNetwork = new MemoryNetwork(),
    onError: (err: unknown, what: string) => void = () => {},
  ) {
    this.handlers = new Handlers(onError);
    net.nodes.set(nodeId, this.handlers);
  }

  claim(p: Presence): Promise<void> {
    this.net.presence.set(presenceKey(p), this.nodeId);
    return Promise.resolve();
  }

  release(p: Presence): Promise<void> {
    if (this.net.presence.get(presenceKey(p)) === this.nodeId) this.net.presence.delete(presenceKey(p));
    return Promise.resolve();
  }

  refresh(ps: readonly Presence[]): Promise<void> {
    for (const p of ps) if (!this.net.presence.has(presenceKey(p))) this.net.presence.set(presenceKey(p), this.nodeId);
    return Promise.resolve();
  }

  where(p: Presence): Promise<string | null> {
    return Promise.resolve(this.net.presence.get(presenceKey(p)) ?? null);
  }

  all(): Promise<Map<string, string>> {
    return Promise.resolve(new Map(this.net.presence));
  }

  route(node: string, m: RoutedFrame): Promise<void> {
    const to = this.net.nodes.get(node);
    if (to) setImmediate(() => to.emitRouted(m));
    return Promise.resolve();
  }

  onRouted(fn: (m: RoutedFrame) => void): void {
    this.handlers.routed.push(fn);
  }

  publish(topic: Topic, payload: string): Promise<void> {
    const from = this.nodeId;
    for (const h of this.net.nodes.values()) setImmediate(() => h.emitTopic(topic, payload, from));
    return Promise.resolve();
  }

  on(topic: Topic, fn: (payload: string, fromNode: string) => void): void {
    this.handlers.on(topic, fn);
  }

  onReconnect(fn: () => void): void {
    this.handlers.reconnect.push(fn);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.net.nodes.delete(this.nodeId);
      for (const [k, node] of this.net.presence) if (node === this.nodeId) this.net.presence.delete(k);
    }
    return Promise.resolve();
  }
}
