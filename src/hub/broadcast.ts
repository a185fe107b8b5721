/** Recipients sent a frame in one go before the event loop takes other work (Broadcast). */
export const BROADCAST_SLICE = 250;

/**
 * A frame everyone must have the latest of (the waiting queue, to every doctor of a node), sent once for all the
 * changes of a turn of the event loop and one send at a time: changes during a send make exactly one more after it
 * (read then, so it holds them all); two sends never run side by side, so their frames never arrive out of order.
 * Sent in slices of BROADCAST_SLICE recipients with the event loop free between them: at 2,000 doctors one loop held
 * the hub's signaling for a tenth of a second at every change (issue 14).
 */
export class Broadcast<T> {
  private due = false;
  private sending = false;
  private again = false;

  constructor(
    private readonly o: {
      /** The frame as it is now (read when a send begins). */
      read: () => Promise<Buffer>;
      /** Who gets it; one no longer in it when its slice comes is skipped. */
      recipients: () => ReadonlySet<T>;
      send: (to: T, frame: Buffer) => void;
      /** False once the owner closes: nothing more is sent. */
      open: () => boolean;
      onError: (err: unknown) => void;
      slice?: number;
    },
  ) {}

  /** Something changed: the recipients get the new frame soon. */
  changed(): void {
    if (this.sending) {
      this.again = true;
      return;
    }
    if (this.due) return;
    this.due = true;
    setImmediate(() => {
      this.due = false;
      if (!this.o.open() || this.o.recipients().size === 0) return;
      this.sending = true;
      this.send()
        .catch(this.o.onError)
        .finally(() => {
          this.sending = false;
          if (this.again) {
            this.again = false;
            this.changed();
          }
        });
    });
  }

  private async send(): Promise<void> {
    const frame = await this.o.read();
    const all = this.o.recipients();
    const list = [...all];
    const n = this.o.slice ?? BROADCAST_SLICE;
    for (let i = 0; i < list.length; i += n) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      if (!this.o.open()) return;
      // A recipient who left meanwhile is skipped; one who came meanwhile got the frame on arrival.
      for (const to of list.slice(i, i + n)) if (all.has(to)) this.o.send(to, frame);
    }
  }
}
