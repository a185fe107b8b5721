import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { PacketStream } from '../_nonin/packet-stream.ts';
import { ACK, NAK, START } from '../_nonin/protocol.ts';

/**
 * Nonin data format #2: 5-byte frames `01 STATUS PLETH FLOAT CHK` at 75 Hz, 25-frame packets aligned on the
 * SYNC bit. This class only finds frames (start byte, STATUS bit 7, FLOAT < 128, checksum), sliding one byte
 * at a time after a bad window; PacketStream does locking, packets and pleth.
 */
class Df2Decoder implements Decoder {
  private readonly em = new Emitter();
  private readonly stream = new PacketStream(this.em);
  private readonly win = new Uint8Array(5);
  private n = 0;

  get recognised(): boolean {
    return this.stream.everLocked;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]!, nowMs);
    return this.em.take();
  }

  private byte(b: number, t: number): void {
    const w = this.win;
    if (this.n === 0) {
      if (b === START) {
        w[0] = b;
        this.n = 1;
      } else if (!(this.stream.inStream && (b === ACK || b === NAK))) {
        this.stream.lost(); // a lone ACK/NAK between frames is the device answering a command: skip it
      }
      return;
    }
    w[this.n++] = b;
    if (this.n === 2 && (b & 0x80) === 0) {
      this.fail();
      return;
    }
    if (this.n < 5) return;
    const fl = w[3]!;
    if (fl < 0x80 && ((START + w[1]! + w[2]! + fl) & 0xff) === b) {
      this.n = 0;
      this.stream.frame(w[1]!, w[2]!, fl, t);
    } else {
      this.fail();
    }
  }

  /** The window is not a frame: drop its first byte and realign on the next plausible start inside it. */
  private fail(): void {
    this.stream.lost();
    const w = this.win;
    let s = 1;
    while (s < this.n && !(w[s] === START && (s + 1 >= this.n || (w[s + 1]! & 0x80) !== 0))) s++;
    for (let k = s; k < this.n; k++) w[k - s] = w[k]!;
    this.n -= s;
  }
}

export function createDecoder(): Decoder {
  return new Df2Decoder();
}
