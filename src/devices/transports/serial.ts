import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import type { Frame, SerialSettings } from '../../shared/driver.ts';
import { DeviceError, explain, type Transport } from './transport.ts';

/** A line longer than this is passed on as it is (the decoder drops it), so noise cannot grow memory. */
const MAX_LINE = 4096;
const CLOSE_TIMEOUT_MS = 2000;

/**
 * A serial port opened with a driver's settings (parity included), on the real `serialport` binding.
 * Line-oriented devices get whole lines through @serialport/parser-readline (delimiter included).
 */
export class SerialTransport implements Transport {
  private port: SerialPort | undefined;
  private lines: ReadlineParser | undefined;
  private dataCb: (bytes: Uint8Array) => void = () => {};
  private lostCb: (e: DeviceError) => void = () => {};
  private closing = false;

  constructor(
    readonly path: string,
    private readonly settings: SerialSettings,
    private readonly lineDelimiter?: string,
  ) {}

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataCb = cb;
  }

  onLost(cb: (e: DeviceError) => void): void {
    this.lostCb = cb;
  }

  open(): Promise<void> {
    const { baudRate, dataBits, parity, stopBits } = this.settings;
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate, dataBits, parity, stopBits, autoOpen: false, lock: true });
      port.open((err) => {
        if (err) {
          reject(explain(this.path, err));
          return;
        }
        this.port = port;
        port.on('data', (chunk: Buffer) => this.receive(chunk));
        if (this.lineDelimiter !== undefined) {
          this.lines = new ReadlineParser({ delimiter: this.lineDelimiter, includeDelimiter: true, encoding: 'latin1' });
          this.lines.on('data', (line: string) => this.dataCb(Uint8Array.from(Buffer.from(line, 'latin1'))));
        }
        port.on('close', (e: Error | null) => {
          if (!this.closing) this.lostCb(explain(this.path, e ?? new Error('disconnected')));
        });
        port.on('error', (e: Error) => {
          if (!this.closing) this.lostCb(explain(this.path, e));
        });
        resolve();
      });
    });
  }

  private receive(chunk: Buffer): void {
    const lines = this.lines;
    if (!lines) {
      this.dataCb(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      return;
    }
    lines.write(chunk);
    // The parser keeps what has no delimiter yet; line noise without one must not pile up.
    const pending = (lines as unknown as { buffer: Buffer }).buffer;
    if (pending.length > MAX_LINE) {
      (lines as unknown as { buffer: Buffer }).buffer = Buffer.alloc(0);
      this.dataCb(Uint8Array.from(pending));
    }
  }

  send(frame: Frame): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) return Promise.reject(new DeviceError(`Port ${this.path} is not open.`, 'lost'));
    if (frame.kind !== 'data') {
      return Promise.reject(new DeviceError(`A serial port cannot send a ${frame.kind} report.`, 'unsupported'));
    }
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(frame.bytes), (err) => (err ? reject(explain(this.path, err)) : resolve()));
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    this.port = undefined;
    if (!port || !port.isOpen) return Promise.resolve();
    // A wedged driver must not hang hotplug or shutdown: give up waiting after a while.
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      port.drain(() =>
        port.close(() => {
          clearTimeout(timer);
          resolve();
        }),
      );
    });
  }
}
