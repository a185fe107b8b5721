/**
 * Frame sync for the 5-byte pulse oximeter frames of Contec's legacy protocol and BerryMed's BCI (its descendant):
 * bit 7 is set in a frame's first byte only, so a set bit 7 always starts a frame and a clear one outside a frame is
 * garbage. No checksum exists. Bytes go in one at a time, across reads or notifications.
 */
export class Bit7Frames {
  private readonly frame: Uint8Array;
  private pos = 0;

  constructor(readonly size = 5) {
    this.frame = new Uint8Array(size);
  }

  /**
   * One byte in: the whole frame when this byte completes one (valid until the next call), `lost` when sync was lost
   * (a frame cut short by a new start, which this byte begins, or a byte outside any frame), else undefined.
   */
  byte(b: number): Uint8Array | 'lost' | undefined {
    if (b & 0x80) {
      const cut = this.pos > 0;
      this.frame[0] = b;
      this.pos = 1;
      return cut ? 'lost' : undefined;
    }
    if (this.pos === 0) return 'lost';
    this.frame[this.pos++] = b;
    if (this.pos < this.size) return undefined;
    this.pos = 0;
    return this.frame;
  }

  /** Drops a partial frame (a new connection). */
  reset(): void {
    this.pos = 0;
  }
}
