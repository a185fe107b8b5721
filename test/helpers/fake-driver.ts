import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Driver, DriverManifest, Frame } from '../../src/shared/driver.ts';

/**
 * A tiny line protocol for testing the device manager without depending on any real driver: the device
 * sends `S=<spo2>\n` ten times a second after it receives `GO\n`; `PING\n` answers `PONG\n`.
 */
export function fakeDriver(id: string, opts: { vendorId?: string; productId?: string; prefix?: string } = {}): Driver {
  const prefix = opts.prefix ?? 'S';
  const manifest: DriverManifest = {
    id,
    name: `Fake ${id}`,
    manufacturer: 'Test',
    models: ['T1'],
    category: 'oximeter',
    transport: 'serial',
    serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
    usb: [{ vendorId: opts.vendorId ?? 'aaaa', productId: opts.productId ?? '0001' }],
    codes: ['MDC_PULS_OXIM_SAT_O2'],
    probeMs: 500,
  };
  const enc = (s: string): Frame => ({ kind: 'data', bytes: [...new TextEncoder().encode(s)] });
  return {
    manifest,
    link: {
      open: [enc('GO\n')],
      close: [enc('STOP\n')],
      commands: {
        ping: { description: 'ping', frames: [enc('PING\n')] },
        measure: { description: 'ask the patient', frames: [], status: { status: 'measuring', detail: 'press-start' } },
      },
    },
    scenarios: ['normal'],
    createDecoder() {
      let line = '';
      let good = 0;
      return {
        get recognised() {
          return good >= 2;
        },
        push(bytes: Uint8Array, nowMs: number): DeviceEvent[] {
          const out: DeviceEvent[] = [];
          for (const b of bytes) {
            if (b !== 10) {
              line += String.fromCharCode(b);
              continue;
            }
            const m = new RegExp(`^${prefix}=(\\d+)$`).exec(line);
            line = '';
            if (m) {
              good++;
              out.push({ kind: 'observation', code: 'MDC_PULS_OXIM_SAT_O2', value: Number(m[1]), unit: '%', t: nowMs });
            }
          }
          return out;
        },
      };
    },
    createSimulator() {
      let streaming = false;
      let sent = 0;
      let spo2 = 97;
      let replies: string[] = [];
      let inbuf = '';
      return {
        set(v) {
          if (v.spo2 !== undefined) spo2 = v.spo2;
        },
        receive(frame) {
          inbuf += String.fromCharCode(...frame.bytes);
          const out: Uint8Array[] = [];
          let i: number;
          while ((i = inbuf.indexOf('\n')) >= 0) {
            const cmd = inbuf.slice(0, i);
            inbuf = inbuf.slice(i + 1);
            if (cmd === 'GO') streaming = true;
            if (cmd === 'STOP') streaming = false;
            if (cmd === 'PING') out.push(new TextEncoder().encode('PONG\n'));
          }
          replies = [];
          return out;
        },
        advance(nowMs) {
          if (!streaming) return [];
          const due = Math.floor(nowMs / 100);
          let text = '';
          for (; sent < due; sent++) text += `${prefix}=${spo2}\n`;
          return text ? [new TextEncoder().encode(text), ...replies.map((r) => new TextEncoder().encode(r))] : [];
        },
      };
    },
  };
}
