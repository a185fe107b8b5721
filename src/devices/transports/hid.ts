import type { Frame, HidSettings } from '../../shared/driver.ts';
import { DeviceError, explain, type Transport } from './transport.ts';

/** The part of node-hid's HIDAsync that the transport uses (so tests can stand in at this boundary). */
export interface HidDevice {
  write(data: number[]): Promise<number>;
  sendFeatureReport(data: number[]): Promise<number>;
  on(event: 'data', cb: (data: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  close(): Promise<void>;
}

export type HidOpener = (path: string) => Promise<HidDevice>;

/** The real opener: node-hid, loaded only when a HID device is actually opened. */
export const openNodeHid: HidOpener = async (path) => {
  const { HIDAsync } = await import('node-hid');
  return (await HIDAsync.open(path)) as unknown as HidDevice;
};

/** A USB HID device: reports get the report-ID byte in front (0x00 for devices without report IDs). */
export class HidTransport implements Transport {
  private device: HidDevice | undefined;
  private dataCb: (bytes: Uint8Array) => void = () => {};
  private lostCb: (e: DeviceError) => void = () => {};
  private closing = false;

  constructor(
    readonly path: string,
    private readonly settings: HidSettings,
    private readonly opener: HidOpener = openNodeHid,
  ) {}

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataCb = cb;
  }

  onLost(cb: (e: DeviceError) => void): void {
    this.lostCb = cb;
  }

  async open(): Promise<void> {
    try {
      this.device = await this.opener(this.path);
    } catch (err) {
      throw explain(this.path, err);
    }
    this.device.on('data', (d: Buffer) => this.dataCb(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    this.device.on('error', (e: Error) => {
      if (!this.closing) this.lostCb(explain(this.path, e));
    });
  }

  /**
   * The bytes handed to node-hid for a frame: report ID, then the payload. Output reports are zero-padded to
   * the report length (Windows requires it); feature reports go as they are (the Omron mode report is 2 bytes).
   */
  report(frame: Frame): number[] {
    const { reportId, reportLength } = this.settings;
    if (frame.kind === 'feature') return [reportId, ...frame.bytes.map((b) => b & 0xff)];
    if (frame.bytes.length > reportLength) {
      throw new DeviceError(`A ${frame.bytes.length}-byte report does not fit the device's ${reportLength} bytes.`, 'io');
    }
    const out = new Array<number>(reportLength + 1).fill(0);
    out[0] = reportId;
    frame.bytes.forEach((b, i) => (out[i + 1] = b & 0xff));
    return out;
  }

  async send(frame: Frame): Promise<void> {
    const dev = this.device;
    if (!dev) throw new DeviceError(`HID device ${this.path} is not open.`, 'lost');
    const data = this.report(frame);
    try {
      if (frame.kind === 'feature') await dev.sendFeatureReport(data);
      else await dev.write(data);
    } catch (err) {
      throw explain(this.path, err);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const dev = this.device;
    this.device = undefined;
    await dev?.close().catch(() => undefined);
  }
}
