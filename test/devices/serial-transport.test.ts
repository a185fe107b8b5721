import { afterEach, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../src/devices/transports/serial.ts';
import { ptyPair, type PtyPair } from '../helpers/socat.ts';

const settings = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function rig(lineDelimiter?: string): Promise<{ device: SerialTransport; host: SerialTransport; got: string[] }> {
  const p: PtyPair = await ptyPair();
  cleanups.push(() => p.stop());
  const device = new SerialTransport(p.a, settings);
  const host = new SerialTransport(p.b, settings, lineDelimiter);
  const got: string[] = [];
  host.onData((b) => got.push(Buffer.from(b).toString('latin1')));
  await device.open();
  await host.open();
  cleanups.push(() => device.close(), () => host.close());
  return { device, host, got };
}

const send = (t: SerialTransport, s: string): Promise<void> => t.send({ kind: 'data', bytes: [...Buffer.from(s, 'latin1')] });
const until = async (cond: () => boolean): Promise<void> => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SerialTransport', () => {
  it('frames a line-oriented device with the readline parser, delimiter and every byte kept', async () => {
    const { device, got } = await rig('\r\n');
    await send(device, 'SPO2=098% ');
    await send(device, 'BPM=07');
    await send(device, '2\r\nPI=\xe9\r\nEXC');
    await until(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['SPO2=098% BPM=072\r\n', 'PI=\xe9\r\n']);
  });

  it('passes on noise that never ends a line instead of holding it forever', async () => {
    const { device, got } = await rig('\r\n');
    await send(device, 'x'.repeat(5000));
    await until(() => got.join('').length >= 4096);
    expect(got.join('')).toMatch(/^x+$/);
  });

  it('passes raw chunks through for binary devices', async () => {
    const { device, got } = await rig();
    await send(device, '\x01\xe0\x85');
    await until(() => got.join('').length === 3);
    expect(got.join('')).toBe('\x01\xe0\x85');
  });

  it('says plainly when a path is not a serial port', async () => {
    await expect(new SerialTransport('/dev/null', settings).open()).rejects.toThrow('/dev/null is not a serial port');
  });
});
