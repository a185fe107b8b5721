import { SerialPort } from 'serialport';
import type { Frame, SerialSettings } from '../../shared/driver.ts';
import { DeviceError, explain, type Transport } from './transport.ts';

/** A serial port opened with a driver's settings (parity included), on the real `serialport` binding. */
export class SerialTransport implements Transport {
  private port: SerialPort | undefined;
  private dataCb: (bytes: Uint8Array) => void = () => {};
  private lostCb: (e: DeviceError) => void = () => {};
  private closing = false;

  constructor(
    readonly path: string,
    private readonly settings: SerialSettings,
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
        port.on('data', (chunk: Buffer) => this.dataCb(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
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
    return new Promise((resolve) => {
      port.drain(() => port.close(() => resolve()));
    });
  }
}
