import { normaliseUuid } from '../../../drivers/_ble/uuid.ts';
import type { DeviceEvent } from '../../shared/device-event.ts';
import type { BleDecoder, BleDriver, BleWrite, CharacteristicValue, GattRef } from '../../shared/driver.ts';
import type { BleConnection } from './central.ts';

/** The last record delivered from a device: records at or before it are not delivered again. */
export interface RecordMark {
  seq?: number;
  t?: number;
  /** The ids of the latest measurements delivered (a device's own stamp, record number or bytes: see drivers/_ble/reading.ts). */
  recent?: string[];
}

/** How many measurement ids a device's mark remembers. */
export const RECENT_IDS = 256;

export interface BleSessionIo {
  emit(events: DeviceEvent[]): void;
  /** A record was delivered (its mark moves on). */
  delivered(mark: RecordMark): void;
  /** A record already delivered came again (a device that resends its memory). */
  duplicate(): void;
  log(level: 'info' | 'warn', message: string): void;
  /** Every value as it came, before decoding (captures). */
  value?(v: CharacteristicValue, t: number): void;
}

/**
 * Per connection: notifications and indications a second, and bytes in one (ATT values are at most 512 bytes). The
 * busiest device here, a BerryMed streaming its pleth at 100 frames a second, sends a few dozen a second.
 */
export const MAX_VALUES_PER_SECOND = 400;
/** Device clocks are read in whole seconds: two times of one reading may differ by this much. */
export const CLOCK_RESOLUTION_MS = 1000;
export const MAX_VALUE_BYTES = 512;

const ref = (service: string, characteristic: string): string => `${normaliseUuid(service)}/${normaliseUuid(characteristic)}`;

/**
 * Carries out a BLE driver's link on one open connection: the reads (identity, clock, features), the subscriptions,
 * the writes the decoder asks for (the clock, a record-access request), and every value to the decoder. Records at or
 * before the device's mark (sequence number, or time for devices without one) are dropped, so a device that resends
 * its whole memory at each connection gives each reading once.
 */
export class BleSession {
  readonly decoder: BleDecoder;
  private readonly modes = new Map<string, 'notify' | 'indicate'>();
  private closed = false;
  lastValueAt: number;
  measured = false;
  private windowStart = 0;
  private windowCount = 0;
  private floodSaid = false;
  /** The measurement ids delivered before this connection. */
  private readonly seenBefore: Set<string>;
  /** The mark when the connection opened: what this connection must not deliver again. */
  private readonly before: RecordMark;

  constructor(
    readonly driver: BleDriver,
    private readonly conn: BleConnection,
    private readonly io: BleSessionIo,
    private readonly mark: RecordMark,
    private readonly now: () => number,
    private readonly utcOffsetMin: number,
  ) {
    this.decoder = driver.createDecoder();
    this.lastValueAt = now();
    this.before = { ...mark };
    this.seenBefore = new Set(mark.recent ?? []);
  }

  /** Reads, subscribes and sends the first writes. Rejects when a required characteristic is missing or fails. */
  async start(): Promise<void> {
    const available = this.conn.characteristics();
    const have = new Set(available.map((c) => ref(c.service, c.characteristic)));
    const refs: GattRef[] = available.map((c) => ({ service: c.service, characteristic: c.characteristic }));
    this.conn.onValue((service, characteristic, bytes) => this.onValue(service, characteristic, bytes));
    this.emit(
      this.decoder.connected({
        nowMs: this.now(),
        utcOffsetMin: this.utcOffsetMin,
        address: this.conn.address,
        available: refs,
        ...(this.mark.seq !== undefined ? { lastSeq: this.mark.seq } : {}),
        ...(this.mark.t !== undefined ? { lastT: this.mark.t } : {}),
      }),
    );
    const { link } = this.driver;
    for (const r of link.read) {
      if (!have.has(ref(r.service, r.characteristic))) {
        if (r.optional) continue;
        throw new Error(`${this.driver.manifest.name} has no characteristic ${r.characteristic} (service ${r.service}).`);
      }
      let bytes: Uint8Array;
      try {
        bytes = await this.conn.read(r.service, r.characteristic);
      } catch (err) {
        if (r.optional) {
          this.io.log('info', `Reading ${r.characteristic} of ${this.conn.address} failed: ${(err as Error).message}`);
          continue;
        }
        throw err;
      }
      if (this.closed) return;
      const v: CharacteristicValue = { service: r.service, characteristic: r.characteristic, bytes, via: 'read' };
      this.io.value?.(v, this.now());
      this.emit(this.decoder.value(v, this.now()));
    }
    for (const s of link.subscribe) {
      if (!have.has(ref(s.service, s.characteristic))) {
        if (s.optional) continue;
        throw new Error(`${this.driver.manifest.name} has no characteristic ${s.characteristic} (service ${s.service}) to subscribe to.`);
      }
      this.modes.set(ref(s.service, s.characteristic), s.mode);
      await this.conn.subscribe(s.service, s.characteristic);
      if (this.closed) return;
    }
    await this.flush();
  }

  /** Runs a named command of the link (its writes). False: no such command. */
  async command(name: string): Promise<boolean> {
    const cmd = Object.hasOwn(this.driver.link.commands, name) ? this.driver.link.commands[name] : undefined;
    if (!cmd) return false;
    if (cmd.status) this.io.emit([{ kind: 'status', status: cmd.status.status, detail: cmd.status.detail, t: this.now() }]);
    for (const w of cmd.writes) await this.write(w);
    return true;
  }

  /** Time passes: the decoder may give up waiting for an answer and ask another way. */
  tick(now: number): void {
    if (this.closed || !this.decoder.tick) return;
    this.emit(this.decoder.tick(now));
    this.writeAsked();
  }

  /** The connection ended: the decoder's last words (a measurement it held). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit(this.decoder.disconnected(this.now()));
  }

  private onValue(service: string, characteristic: string, bytes: Uint8Array): void {
    if (this.closed) return;
    const now = this.now();
    // A device that floods (a fault, or one pretending to be ours) cannot flood main: past the cap, values are dropped.
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (++this.windowCount > MAX_VALUES_PER_SECOND || bytes.length > MAX_VALUE_BYTES) {
      if (!this.floodSaid) this.io.log('warn', `${this.driver.manifest.name} (${this.conn.address}) sends more than the cabin takes (${MAX_VALUES_PER_SECOND} values a second, ${MAX_VALUE_BYTES} bytes each): the rest is dropped.`);
      this.floodSaid = true;
      return;
    }
    this.lastValueAt = now;
    const via = this.modes.get(ref(service, characteristic)) ?? 'notify';
    const v: CharacteristicValue = { service, characteristic, bytes, via };
    this.io.value?.(v, now);
    this.emit(this.decoder.value(v, now));
    this.writeAsked();
  }

  /** Writes what the decoder asks now, if anything (values come many a second: most ask nothing). */
  private writeAsked(): void {
    const out = this.decoder.takeOutgoing();
    if (out.length === 0) return;
    void this.flush(out).catch((err: Error) => this.io.log('warn', `Writing to ${this.conn.address} failed: ${err.message}`));
  }

  private async flush(first: BleWrite[] = this.decoder.takeOutgoing()): Promise<void> {
    let out = first;
    for (let round = 0; round < 8 && out.length > 0; round++) {
      for (const w of out) await this.write(w);
      out = this.decoder.takeOutgoing();
    }
  }

  private async write(w: BleWrite): Promise<void> {
    if (this.closed) return;
    await this.conn.write(w.service, w.characteristic, Uint8Array.from(w.bytes), w.withResponse ?? true);
  }

  /** Drops records already delivered; moves the mark past the new ones. */
  private emit(events: DeviceEvent[]): void {
    if (events.length === 0) return;
    const out: DeviceEvent[] = [];
    const dropped = new Set<string>();
    const episodic = this.driver.manifest.ble.connection === 'episodic';
    for (const e of events) {
      if (e.kind === 'observation') {
        const seq = e.record?.seq;
        const stored = e.record?.stored === true || seq !== undefined;
        const id = e.measurementId;
        // A measurement is known by its id, stable across connections (its own time stamp, record number or bytes):
        // whatever its clock, a reading the device sends again is never delivered twice. Readings without an id fall
        // back on the record number, then on time (a clock offset read in whole seconds: within a second), never for
        // an unset clock, whose time is the arrival's.
        const stamped = e.deviceClock?.state !== 'unset';
        const byTime = id === undefined && seq === undefined && stamped && (stored || episodic) && e.t !== undefined && this.before.t !== undefined;
        // A record number at or before the mark is old, unless its time (on a clock the cabin read) is newer than the
        // mark's: the device's numbering restarted (memory cleared, wrapped at 65535).
        const trusted = e.deviceClock?.state === 'set' || e.deviceClock?.state === 'skewed';
        const renumbered = trusted && e.t !== undefined && this.before.t !== undefined && e.t > this.before.t + CLOCK_RESOLUTION_MS;
        const old =
          (id !== undefined && this.seenBefore.has(id)) ||
          (seq !== undefined && this.before.seq !== undefined && seq <= this.before.seq && !renumbered) ||
          (byTime && e.t! <= this.before.t! + CLOCK_RESOLUTION_MS);
        if (old) {
          if (e.measurementId === undefined || !dropped.has(e.measurementId)) this.io.duplicate();
          if (e.measurementId !== undefined) dropped.add(e.measurementId);
          continue;
        }
        this.measured = true;
        if (id !== undefined && episodic && !(this.mark.recent ?? []).includes(id)) {
          this.mark.recent = [...(this.mark.recent ?? []), id].slice(-RECENT_IDS);
          this.io.delivered({ ...this.mark });
        }
        if (seq !== undefined || e.t !== undefined) {
          const next: RecordMark = {
            seq: seq !== undefined ? Math.max(seq, this.mark.seq ?? -1) : this.mark.seq,
            // Any reading of a device that sends after measuring: its next connection may resend it as stored.
            t: e.t !== undefined && (stored || episodic) ? Math.max(e.t, this.mark.t ?? -Infinity) : this.mark.t,
          };
          if (next.seq !== this.mark.seq || next.t !== this.mark.t) {
            this.mark.seq = next.seq;
            this.mark.t = next.t;
            this.io.delivered({ ...this.mark });
          }
        }
      }
      out.push(e);
    }
    if (out.length > 0) this.io.emit(out);
  }
}
