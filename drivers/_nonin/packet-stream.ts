import type { Emitter } from '../_lib/emitter.ts';
import { PacketAssembler } from './packet.ts';
import { FRAME_RATE_HZ } from './protocol.ts';
import { PLETH } from './status.ts';

/** Samples held while a lock is unproven: a lock that starts at frame 2 proves itself within 49 frames. */
const MAX_HELD = 50;

/**
 * What DF2 and DF7 share above their byte framing: a frame is trusted once a second valid frame follows it
 * directly (a lock); packets are assembled from locked frames; pleth samples of a lock are held until the
 * lock has produced a complete aligned packet, so another format's bytes that happen to pass the frame
 * checks (e.g. a flat DF2 trace read as DF7) never come out as a waveform.
 */
export class PacketStream {
  private readonly packets: PacketAssembler;
  private locked = false;
  private pending = false;
  private proven = false;
  private pStatus = 0;
  private pPleth = 0;
  private pFloat = 0;
  private readonly held: number[] = [];
  /** True once two consecutive valid frames were seen. */
  everLocked = false;

  constructor(private readonly em: Emitter) {
    this.packets = new PacketAssembler(em);
  }

  /** Complete packets followed by the next SYNC (the 25-frame cycle). */
  get cycles(): number {
    return this.packets.cycles;
  }

  /** Between frames of a (possible) stream: a lone ACK/NAK byte here is a command reply to skip. */
  get inStream(): boolean {
    return this.locked || this.pending;
  }

  /** A valid frame that starts right where the previous bytes ended. */
  frame(status: number, pleth: number, float: number, t: number): void {
    if (this.locked) {
      this.deliver(status, pleth, float, t);
    } else if (this.pending) {
      this.locked = true;
      this.pending = false;
      this.everLocked = true;
      this.deliver(this.pStatus, this.pPleth, this.pFloat, t);
      this.deliver(status, pleth, float, t);
    } else {
      this.pending = true;
      this.pStatus = status;
      this.pPleth = pleth;
      this.pFloat = float;
    }
  }

  /** Bytes that are not a frame: the lock, the packet in progress and unproven samples are gone. */
  lost(): void {
    if (this.locked) this.packets.broken();
    this.locked = false;
    this.pending = false;
    this.proven = false;
    this.held.length = 0;
  }

  private deliver(status: number, pleth: number, float: number, t: number): void {
    if (this.proven) {
      this.em.sample(PLETH, FRAME_RATE_HZ, pleth, t);
      this.packets.frame(status, float, t);
      return;
    }
    const before = this.packets.packets;
    this.packets.frame(status, float, t);
    if (this.held.length >= MAX_HELD) this.held.length = 0;
    this.held.push(pleth);
    if (this.packets.packets === before) return;
    this.proven = true;
    for (let i = 0; i < this.held.length; i++) this.em.sample(PLETH, FRAME_RATE_HZ, this.held[i]!, t);
    this.held.length = 0;
  }
}
