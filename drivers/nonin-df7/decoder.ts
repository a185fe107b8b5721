import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Decoder } from '../../src/shared/driver.ts';
import { Emitter } from '../_lib/emitter.ts';
import { PacketStream } from '../_nonin/packet-stream.ts';
import { ACK, NAK } from '../_nonin/protocol.ts';

/**
 * Nonin data format #7: 5-byte frames `STATUS PLETH_MSB PLETH_LSB FLOAT CHK` at 75 Hz (16-bit pleth), the
 * DF2 packet structure, no start byte. This class only finds frames (STATUS bit 7, FLOAT < 128, checksum);
 * PacketStream does locking, packets and pleth. Recognised only after a full SYNC cycle (25 frames from one
 * SYNC to the next), because STATUS bit 7 + checksum alone also match other formats by chance.
 */
class Df7Decoder implements Decoder {
  private readonly em = new Emitter();
  private readonly stream = new PacketStream(this.em);
  private readonly win = new Uint8Array(5);
  private n = 0;

  get recognised(): boolean {
    return this.stream.cycles > 0;
  }

  push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]!, nowMs);
    return this.em.take();
  }

  private byte(b: number, t: number): void {
    const w = this.win;
    if (this.n === 0) {
      if ((b & 0x80) !== 0) {
        w[0] = b;
        this.n = 1;
      } else if (!(this.stream.inStream && (b === ACK || b === NAK))) {
        this.stream.lost(); // a lone ACK/NAK between frames is the device answering a command: skip it
      }
      return;
    }
    w[this.n++] = b;
    if (this.n === 4 && b >= 0x80) {
      this.fail();
      return;
    }
    if (this.n < 5) return;
    if (((w[0]! + w[1]! + w[2]! + w[3]!) & 0xff) === b) {
      this.n = 0;
      this.stream.frame(w[0]!, (w[1]! << 8) | w[2]!, w[3]!, t);
    } else {
      this.fail();
    }
  }

  /** The window is not a frame: drop its first byte and realign on the next plausible STATUS inside it. */
  private fail(): void {
    this.stream.lost();
    const w = this.win;
    let s = 1;
    while (s < this.n && !((w[s]! & 0x80) !== 0 && (s + 3 >= this.n || w[s + 3]! < 0x80))) s++;
    for (let k = s; k < this.n; k++) w[k - s] = w[k]!;
    this.n -= s;
  }
}

export function createDecoder(): Decoder {
  return new Df7Decoder();
}
