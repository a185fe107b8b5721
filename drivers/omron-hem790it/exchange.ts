import type { Frame } from '../../src/shared/driver.ts';
import { CLEAR_LENGTH, COMMAND_LENGTH, REPLY_LENGTH, REPORT_PAYLOAD, xor } from './protocol.ts';

/** Who wanted a command sent: the link (open/poll), or the decoder to read a new or the newest reading. */
export type Purpose = 'host' | 'new' | 'check';

/** A command the host sent whose reply is awaited. */
export interface Pending {
  /** 'GDC', 'GME', 'VER', 'END'…, or 'CLR' for the clearing block. */
  readonly name: string;
  readonly bytes: readonly number[];
  /** Data bytes after "OK" 0x00, checksum included; -1 when unknown (the first report ends the reply). */
  readonly expect: number;
  /** GME: the reading index asked for. */
  readonly idx: number;
  purpose: Purpose;
  attempts: number;
  readonly sentAt: number;
}

export type Reply =
  | { readonly kind: 'ok'; readonly cmd: Pending; readonly data: Uint8Array }
  | { readonly kind: 'done' | 'no' | 'garbled'; readonly cmd: Pending };

const O = 0x4f;
const K = 0x4b;
const N = 0x4e;
const MAX_COMMAND = 32;
const MAX_AWAITED = 8;
const COMMAND_LENGTHS = new Map(Object.entries(COMMAND_LENGTH));
const REPLY_LENGTHS = new Map(Object.entries(REPLY_LENGTH));

/**
 * Matches the meter's replies to the commands sent, in order: reassembles sent output reports into
 * commands (from `sent`), and input reports into the reply of the oldest awaited command.
 */
export class Exchange {
  private out: number[] = [];
  private awaited: Pending[] = [];
  private readonly rx = new Uint8Array(40);
  private rxLen = 0;

  get busy(): boolean {
    return this.awaited.length > 0;
  }

  /** A frame the host sent; returns the command it completes, if any. */
  sent(frame: Frame, now: number): Pending | undefined {
    if (frame.kind === 'feature') {
      // A mode change restarts the meter's exchange: nothing sent before it will be answered.
      this.out = [];
      this.awaited = [];
      this.rxLen = 0;
      return undefined;
    }
    const n = Math.min(frame.bytes[0] ?? 0, REPORT_PAYLOAD, frame.bytes.length - 1);
    for (let i = 1; i <= n; i++) this.out.push((frame.bytes[i] ?? 0) & 0xff);
    if (this.out.length === 0) return undefined;
    const full = this.out[0] === 0 ? CLEAR_LENGTH : COMMAND_LENGTHS.get(this.name(this.out));
    if (n === REPORT_PAYLOAD && this.out.length < (full ?? MAX_COMMAND) && this.out.length < MAX_COMMAND) return undefined;
    const bytes = this.out;
    this.out = [];
    const name = bytes[0] === 0 ? 'CLR' : this.name(bytes);
    const cmd: Pending = {
      name,
      bytes,
      expect: REPLY_LENGTHS.get(name) ?? -1,
      idx: bytes[6] ?? 0,
      purpose: 'host',
      attempts: 0,
      sentAt: now,
    };
    if (this.awaited.length === 0) this.rxLen = 0;
    this.awaited.push(cmd);
    if (this.awaited.length > MAX_AWAITED) this.awaited.shift();
    return cmd;
  }

  /** One input report (count byte, payload); returns the reply it completes, if any. */
  feed(report: Uint8Array): Reply | undefined {
    const cmd = this.awaited[0];
    if (!cmd) return undefined; // Unsolicited: the meter only speaks when asked, so this is noise.
    const n = Math.min(report[0] ?? 0, REPORT_PAYLOAD, report.length - 1);
    for (let i = 1; i <= n && this.rxLen < this.rx.length; i++) this.rx[this.rxLen++] = report[i]!;
    const kind = this.classify(cmd);
    if (kind === undefined) return undefined;
    this.awaited.shift();
    this.rxLen = 0; // The rest of this report is padding or noise: a reply never shares a report.
    if (kind === 'ok') return { kind, cmd, data: this.rx.slice(3, 3 + cmd.expect) };
    return { kind, cmd };
  }

  /** The oldest awaited command if it has gone unanswered for longer than `maxAgeMs` (it is dropped). */
  expired(now: number, maxAgeMs: number): Pending | undefined {
    const head = this.awaited[0];
    if (!head || now - head.sentAt <= maxAgeMs) return undefined;
    this.awaited.shift();
    this.rxLen = 0;
    return head;
  }

  /** Forgets every awaited command (they will be resent after a resync) and returns them. */
  drain(): Pending[] {
    const all = this.awaited;
    this.awaited = [];
    this.rxLen = 0;
    return all;
  }

  private classify(cmd: Pending): 'ok' | 'done' | 'no' | 'garbled' | undefined {
    const rx = this.rx;
    if (this.rxLen < 2) return undefined;
    if (cmd.name === 'END') return 'done'; // "OFF\r\n" and the meter powers off: nothing to check.
    const ok = rx[0] === O && rx[1] === K;
    if (cmd.name === 'CLR') return ok ? 'done' : 'garbled';
    if (rx[0] === N && rx[1] === O) return 'no';
    if (!ok) return 'garbled';
    if (cmd.expect < 0) return 'done';
    if (this.rxLen >= 3 && rx[2] !== 0) return 'garbled';
    if (this.rxLen < 3 + cmd.expect) return undefined;
    return xor(rx, 3, 3 + cmd.expect) === 0 ? 'ok' : 'garbled';
  }

  private name(bytes: readonly number[]): string {
    return String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0);
  }
}
