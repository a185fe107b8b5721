/** Recipients sent a frame in one go before the event loop takes other work (Broadcast). */
export const BROADCAST_SLICE = 250;
/** A failed read (Broadcast) is tried again after this long. */
export const BROADCAST_RETRY_MS = 1000;

/** One edition of a state, as a Broadcast sends it: what changed since the last (null: nothing), and the whole. */
export interface Edition {
  /** To the members who hold the previous edition; null when nothing changed. */
  change: Buffer | null;
  /** To those who just joined (read only if someone did). */
  whole: () => Buffer;
}

/**
 * A state everyone must hold the latest of (the waiting queue, for every doctor of a node): a member who joins gets it
 * whole, then each change as it is. Read once for all the changes of a turn of the event loop and sent one edition at a
 * time: changes during a send make exactly one more after it (read then, so it holds them all); two sends never run
 * side by side, so every member gets the editions in order and exactly once each, and its first is whole. Sent in
 * slices of BROADCAST_SLICE recipients with the event loop free between them: at 2,000 doctors one loop held the hub's
 * signaling for a tenth of a second at every change (issue 14).
 */
export class Broadcast<T> {
  private due = false;
  private sending = false;
  private again = false;
  /** Got an edition: each later one reaches them as a change. */
  private readonly members = new Set<T>();
  /** Joined since the last edition: the next one reaches them whole. */
  private readonly joining = new Set<T>();

  constructor(
    private readonly o: {
      /** The next edition (read when a send begins; the read itself decides what changed since the last). */
      read: () => Promise<Edition>;
      send: (to: T, frame: Buffer) => void;
      /** False once the owner closes: nothing more is sent. */
      open: () => boolean;
      onError: (err: unknown) => void;
      slice?: number;
      /** After a failed read, the next one (default BROADCAST_RETRY_MS). */
      retryMs?: number;
    },
  ) {}

  /** `to` gets the whole state soon, then every change (again: a member that joins again gets it whole again). */
  join(to: T): void {
    this.members.delete(to);
    this.joining.add(to);
    this.changed();
  }

  /** `to` gets nothing more (one that leaves during a send is skipped in its later slices). */
  leave(to: T): void {
    this.members.delete(to);
    this.joining.delete(to);
  }

  get size(): number {
    return this.members.size + this.joining.size;
  }

  /** Something changed: the members get the change soon. */
  changed(): void {
    if (this.sending) {
      this.again = true;
      return;
    }
    if (this.due) return;
    this.due = true;
    setImmediate(() => {
      this.due = false;
      // Nobody to tell: no read. The next join reads then, and its change (sent to nobody) covers this one.
      if (!this.o.open() || this.size === 0) return;
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
            // A failed read (the database away) loses nothing: what changed is read again in a moment, and those who
            // joined still wait for their whole state.
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
    const edition = await this.o.read();
    // Who holds the previous edition and who gets this one whole, taken together with the read's result: one who joins
    // from now on waits for the next edition (`again`), whole.
    const members = edition.change ? [...this.members] : [];
    const joiners = [...this.joining];
    this.joining.clear();
    for (const j of joiners) this.members.add(j);
    const whole = joiners.length > 0 ? edition.whole() : null;
    const list: [T, Buffer][] = [...members.map((m): [T, Buffer] => [m, edition.change!]), ...joiners.map((j): [T, Buffer] => [j, whole!])];
    const n = this.o.slice ?? BROADCAST_SLICE;
    for (let i = 0; i < list.length; i += n) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      if (!this.o.open()) return;
      // One who left meanwhile is skipped (and one who joined again meanwhile gets the next edition whole).
      for (const [to, frame] of list.slice(i, i + n)) if (this.members.has(to)) this.o.send(to, frame);
    }
  }
}
