import type { Logger } from '../../server/log.ts';
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock.ts';
import type { Presence } from '../cluster/bus.ts';
import type { Consultation } from '../store.ts';
import type { Actor, Input } from './transition.ts';

export interface AwayOptions {
  clock: Clock;
  log: Logger;
  /** A cabin whose request waits: how long it may stay away before its request is cancelled (RelayOptions). */
  waitingGraceMs: number;
  /** A cabin in an active consultation: how long before the consultation is marked left (RelayOptions). */
  activeGraceMs: number;
  /** Whether the account is connected, on this node or another (RelayLink.online). */
  online: (presence: Presence) => boolean;
  /** Asked last, when a grace is due: the account is held by a node whose news this one has not heard (RelayLink). */
  heldSomewhere?: (presence: Presence) => Promise<boolean>;
  /** Runs the transition on the consultation read again from the store (Relay.run). */
  run: (actor: Actor, consultationId: string, input: Extract<Input, { type: 'abandoned' }>) => Promise<void>;
  /** Set once the relay closes: a grace due after that touches nothing. */
  closing: () => boolean;
}

/**
 * The cabins that are away from this node's point of view, and what waits for them to come back: since when each one
 * is away (the queue shows a cabin away and for how long), the grace of each open consultation of a cabin away (its
 * request cancelled, or the active consultation marked left, when it is due), and the sides of active consultations
 * that dropped out, to record their return.
 *
 * Per node: the node that saw a cabin leave (or, after a start, found its consultation open with nobody connected, or
 * took over from a node that died) runs the grace. A cabin that comes back anywhere is `back` here through presence.
 */
export class AwayCabins {
  /** Timers of the open consultations whose cabin is away (`abandoned` when due), by cabin id. */
  private readonly graces = new Map<string, TimerHandle>();
  /** Since when each cabin not connected now has been away (hub time, ms), for the queue; one entry per cabin account. */
  private readonly since = new Map<string, number>();
  /**
   * `consultationId:role` of sides that dropped out of an active consultation, to record their return. A node's
   * restart loses only the « reconnected » incident of the sides it saw leave: a side that comes back on another node is
   * known away there by presence.
   */
  private readonly dropped = new Set<string>();

  constructor(private readonly o: AwayOptions) {}

  /** The cabin's socket on this node closed (not replaced): away from now. */
  left(cabinId: string): void {
    this.since.set(cabinId, Math.floor(this.o.clock.now()));
  }

  /** The cabin connected (here, or on another node as heard by presence): its grace stops, it is no longer away. */
  back(cabinId: string): void {
    this.o.clock.clearTimeout(this.graces.get(cabinId));
    this.graces.delete(cabinId);
    this.since.delete(cabinId);
  }

  /** Since when this node has seen the cabin away, if it has. */
  awaySince(cabinId: string): number | undefined {
    return this.since.get(cabinId);
  }

  /** A side of an active consultation dropped out (the transition's `away` effect). */
  sideAway(consultationId: string, role: Presence['role']): void {
    this.dropped.add(`${consultationId}:${role}`);
  }

  /** That side came back (`back`). */
  sideBack(consultationId: string, role: Presence['role']): void {
    this.dropped.delete(`${consultationId}:${role}`);
  }

  /** The consultation closed: neither side is waited for. */
  closed(consultationId: string): void {
    this.dropped.delete(`${consultationId}:cabin`);
    this.dropped.delete(`${consultationId}:doctor`);
  }

  /** Whether this node saw that side drop out of the consultation and has not seen it back. */
  sideWasAway(consultationId: string, role: Presence['role']): boolean {
    return this.dropped.has(`${consultationId}:${role}`);
  }

  /**
   * The hub (re)started with these consultations open: no cabin is connected yet, and no disconnection will ever be
   * seen for them. Each cabin not connected elsewhere is away since `at` (hub time when the open ones were asked for),
   * and each gets the grace to come back.
   */
  sweep(open: Consultation[], at: number): void {
    for (const c of open) {
      if (!this.o.online({ role: 'cabin', id: c.cabinId })) this.since.set(c.cabinId, at);
      this.graceFor(c, { role: 'cabin', id: c.cabinId, name: c.cabinName }, true);
    }
  }

  /**
   * Starts the grace of the cabin's open consultation (one per cabin: a newer one replaces it). When it is due and the
   * cabin is still not back, here or on another node, the `abandoned` transition runs on the consultation as it is then.
   */
  graceFor(c: Consultation, cabin: Actor, atStart: boolean): void {
    const consultationId = c.id;
    // Connected meanwhile (a sweep at start racing a fast cabin), here or on another node: nothing to wait for.
    if (this.o.online({ role: 'cabin', id: cabin.id })) return;
    this.o.clock.clearTimeout(this.graces.get(cabin.id));
    const timer = this.o.clock.setTimeout(
      () => {
        this.graces.delete(cabin.id);
        if (this.o.closing()) return;
        (async () => {
          // Back on another node whose news was not heard here (Redis away meanwhile): the bus is asked last.
          if (this.o.heldSomewhere && (await this.o.heldSomewhere({ role: 'cabin', id: cabin.id }))) return;
          await this.o.run(cabin, consultationId, { type: 'abandoned', atStart });
        })().catch((err: unknown) => {
          this.o.log.error({ err, consultation: consultationId }, 'failed to drop the consultation of a cabin gone');
        });
      },
      c.state === 'active' ? this.o.activeGraceMs : this.o.waitingGraceMs,
    );
    unrefTimer(timer);
    this.graces.set(cabin.id, timer);
  }

  /** The relay closes: no grace runs any more. */
  close(): void {
    for (const timer of this.graces.values()) this.o.clock.clearTimeout(timer);
    this.graces.clear();
  }
}
