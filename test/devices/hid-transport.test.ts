import { describe, expect, it } from 'vitest';
import { HidTransport, type HidDevice } from '../../src/devices/transports/hid.ts';
import type { DeviceError } from '../../src/devices/transports/transport.ts';

/** Stands in for node-hid's HIDAsync at the transport boundary (no /dev/uhid on these machines). */
class FakeHid implements HidDevice {
  writes: number[][] = [];
  features: number[][] = [];
  closed = false;
  private handlers: { data?: (d: Buffer) => void; error?: (e: Error) => void } = {};
  async write(data: number[]): Promise<number> {
    this.writes.push(data);
    return data.length;
  }
  async sendFeatureReport(data: number[]): Promise<number> {
    this.features.push(data);
    return data.length;
  }
  on(event: 'data' | 'error', cb: never): this {
    this.handlers[event] = cb;
    return this;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  input(bytes: number[]): void {
    this.handlers.data?.(Buffer.from(bytes));
  }
  fail(msg: string): void {
    this.handlers.error?.(new Error(msg));
  }
}

describe('HidTransport', () => {
  const settings = { reportLength: 8, reportId: 0 };

  it('prefixes the report ID, pads output reports to the report length and sends feature reports as they are', async () => {
    const fake = new FakeHid();
    const t = new HidTransport('/dev/hidraw3', settings, async () => fake);
    await t.open();
    await t.send({ kind: 'data', bytes: [0x03, 0x47, 0x44, 0x43] });
    await t.send({ kind: 'feature', bytes: [0x74, 0xbc] });
    expect(fake.writes).toEqual([[0, 3, 0x47, 0x44, 0x43, 0, 0, 0, 0]]);
    expect(fake.features).toEqual([[0, 0x74, 0xbc]]);
  });

  it('delivers input reports as they come and reports a lost device', async () => {
    const fake = new FakeHid();
    const t = new HidTransport('/dev/hidraw3', settings, async () => fake);
    const got: number[][] = [];
    const lost: DeviceError[] = [];
    t.onData((b) => got.push([...b]));
    t.onLost((e) => lost.push(e));
    await t.open();
    fake.input([2, 0x4f, 0x4b, 0, 0, 0, 0, 0]);
    fake.fail('could not read from HID device');
    expect(got).toEqual([[2, 0x4f, 0x4b, 0, 0, 0, 0, 0]]);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toContain('/dev/hidraw3');
  });

  it('refuses a report longer than the device report and explains open failures', async () => {
    const fake = new FakeHid();
    const t = new HidTransport('/dev/hidraw3', settings, async () => fake);
    await t.open();
    await expect(t.send({ kind: 'data', bytes: new Array(9).fill(1) })).rejects.toThrow(/does not fit/);
    const denied = new HidTransport('/dev/hidraw4', settings, async () => {
      throw Object.assign(new Error('cannot open device with path /dev/hidraw4'), { code: 'EACCES' });
    });
    await expect(denied.open()).rejects.toMatchObject({ code: 'permission' });
    await t.close();
    expect(fake.closed).toBe(true);
  });
});
