/** A fixed-capacity FIFO of numbers: pushing onto a full buffer drops the oldest value. */
export class RingBuffer {
  private readonly data: Float64Array;
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`A ring buffer needs a capacity of at least 1, not ${capacity}.`);
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    this.data[(this.start + this.size) % this.capacity] = value;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Removes and returns the oldest value (undefined when empty). */
  shift(): number | undefined {
    if (this.size === 0) return undefined;
    const value = this.data[this.start];
    this.start = (this.start + 1) % this.capacity;
    this.size--;
    return value;
  }

  /** The i-th value, oldest first. */
  at(i: number): number | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.data[(this.start + i) % this.capacity];
  }

  /** Drops the oldest values until `keep` remain. */
  trim(keep: number): void {
    while (this.size > keep) this.shift();
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.data[(this.start + i) % this.capacity]!);
    return out;
  }
}
