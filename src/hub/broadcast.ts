/** Recipients sent a frame in one go before the event loop takes other work (Broadcast). */
export const BROADCAST_SLICE = 250;
/** A failed read (Broadcast) is tried again after this long. */
export const BROADCAST_RETRY_MS = 1000;

/** One edition of a state, as a Broadcast sends it. */
export interface Edition {
  /** Its number: a read that finds nothing changed gives the last edition's number again. */
  rev: number;
  /** For a member who holds the earlier edition `base`: what changed since, or the whole state if `base` is not kept. */
  from(base: number): Buffer;
  /** The whole state, for one who just joined. */
  whole(): Buffer;
}

/** A read's edition reaches its last recipient once `done` recipients have been taken (Broadcast's timing). */
interface Mark {
  since: number;
  done: number;
  recipients: number;
}

/**
 * A state everyone must hold the latest of (the waiting queue, for every doctor of a node): a member who joins gets it
 * whole, then what changes. Read once for all the changes of a turn of the event loop; two reads or two sends never run
 * side by side, so every member gets editions in order, each building on the one it holds, and its first is whole.
 *
 * Sent in slices of BROADCAST_SLICE recipients with the event loop free between them: at 2,000 doctors one loop held
 * the hub's signaling for a tenth of a second at every change (issue 14). A change that comes during a send is read at
 * the next slice, not after the last: the members not yet reached get the newer edition straight away (what changed
 * since the one they hold, Edition.from), and those already reached get it after them. So a change reaches every
 * member within about one pass over them, where waiting for the pass under way made it two (the queue's p99 at 2,000
 * doctors was twice the time of a pass). Each member's edition is kept, so a failed read mid-way loses nothing either:
 * the next send gives everyone what they lack.
 */
export class Broadcast<T> {
  private due = false;
  private sending = false;
  private again = false;
  /** Each member and the edition it holds (null: it just joined, and gets the next one whole). */
  private readonly held = new Map<T, number | null>();
  /** When the oldest change not yet read was asked (performance.now()); undefined when none waits. */
  private pendingSince: number | undefined;

  constructor(
    private readonly o: {
      /** The latest edition (read when a send begins, and again for changes during it). */
      read: () => Promise<Edition>;
      send: (to: T, frame: Buffer) => void;
      /** False once the owner closes: nothing more is sent. */
      open: () => boolean;
      onError: (err: unknown) => void;
      slice?: number;
      /** After a failed read, the next one (default BROADCAST_RETRY_MS). */
      retryMs?: number;
      /**
       * A read reached every member it had to (each holds it or a later one): `ms` from the oldest change it carries
       * (its `changed()`, or `join()`) to its last recipient's send, and how many it went to (the node's metrics).
       */
      onSent?: (ms: number, recipients: number) => void;
    },
  ) {}

  /** `to` gets the whole state soon, then every change (again: a member that joins again gets it whole again). */
  join(to: T): void {
    this.held.delete(to);
    this.held.set(to, null);
    this.changed();
  }

  /** `to` gets nothing more (one that leaves during a send is skipped in its later slices). */
  leave(to: T): void {
    this.held.delete(to);
  }

  get size(): number {
    return this.held.size;
  }

  /** Something changed: the members get the change soon. */
  changed(): void {
    this.pendingSince ??= performance.now();
    if (this.sending) {
      this.again = true;
      return;
    }
    if (this.due) return;
    this.due = true;
    setImmediate(() => {
      this.due = false;
      // Nobody to tell: no read. The next join reads then, and its edition covers this change.
      if (!this.o.open() || this.size === 0) {
        this.pendingSince = undefined;
        return;
      }
      this.sending = true;
      this.send()
        .then(
          () => {
            this.sending = false;
            if (this.again) {
              this.again = false;
              this.changed();
            }
          },
          (err: unknown) => {
            // A failed read (the database away) loses nothing: what changed is read again in a moment, and each
            // member keeps the edition it holds (those who joined still wait for their whole state).
            this.sending = false;
            this.again = false;
            this.o.onError(err);
            const t = setTimeout(() => this.changed(), this.o.retryMs ?? BROADCAST_RETRY_MS);
            t.unref?.();
          },
        );
    });
  }

  private async send(): Promise<void> {
    const n = this.o.slice ?? BROADCAST_SLICE;
    /** Who is to get the edition, in order, and how far the send is in it. */
    let queue: T[] = [];
    let at = 0;
    /** Recipients taken since the send began (sent, skipped or up to date), for the marks. */
    let taken = 0;
    const marks: Mark[] = [];
    let edition: Edition | undefined;
    let frames = new Map<number | null, Buffer>();
    const read = async (): Promise<void> => {
      // This read carries every change asked until now; one asked from here on is read at the next slice.
      const since = this.pendingSince ?? performance.now();
      this.pendingSince = undefined;
      this.again = false;
      try {
        edition = await this.o.read();
      } catch (err) {
        this.pendingSince = Math.min(since, this.pendingSince ?? since);
        throw err;
      }
      frames = new Map();
      // Those not reached yet first, in their order; then every other member behind it (reached earlier in this send,
      // or joined meanwhile).
      const rest = queue.slice(at);
      const inRest = new Set(rest);
      for (const [m, rev] of this.held) if (rev !== edition.rev && !inRest.has(m)) rest.push(m);
      queue = rest;
      at = 0;
      if (rest.length > 0) marks.push({ since, done: taken + rest.length, recipients: rest.length });
    };
    await read();
    for (;;) {
      const e = edition!;
      const end = Math.min(queue.length, at + n);
      for (; at < end; at++, taken++) {
        const to = queue[at]!;
        // One who left is skipped; one who joined again meanwhile holds null and gets the whole.
        const base = this.held.get(to);
        if (base === undefined || base === e.rev) continue;
        let frame = frames.get(base);
        if (!frame) {
          frame = base === null ? e.whole() : e.from(base);
          frames.set(base, frame);
        }
        this.o.send(to, frame);
        this.held.set(to, e.rev);
      }
      while (marks.length > 0 && marks[0]!.done <= taken) {
        const m = marks.shift()!;
        this.o.onSent?.(performance.now() - m.since, m.recipients);
      }
      if (at >= queue.length && !this.again) return;
      await new Promise<void>((r) => setImmediate(r));
      if (!this.o.open()) return;
      if (this.again) await read();
    }
  }
}
