import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { normaliseUuid } from '../../../drivers/_ble/uuid.ts';
import type { DeviceEvent } from '../../shared/device-event.ts';
import type { BleDecoder, BleDriver, CharacteristicValue, GattRef } from '../../shared/driver.ts';
import { CliError, parseAddress, writeOut } from './common.ts';
import { WaveLines } from './wave-lines.ts';

/** One line of a BLE capture (`capture --driver <ble driver>`), checked. */
export interface CaptureLine {
  readonly t: number;
  readonly service: string;
  readonly characteristic: string;
  readonly bytes: Uint8Array;
  readonly via?: CharacteristicValue['via'];
  readonly address?: string;
}

/** The address given to the decoder when the capture does not say (a capture made by hand). */
export const UNKNOWN_ADDRESS = '00:00:00:00:00:00';

const VIA = new Set(['notify', 'indicate', 'read']);

/** One line of a BLE capture, or why it is not one (a sentence without the line number). Never throws. */
export function parseCaptureLine(text: string): CaptureLine | string {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
  const r = o as Record<string, unknown>;
  if (typeof r.t !== 'number' || !Number.isFinite(r.t) || r.t < 0) return '"t" (ms since the epoch) is missing or not a number';
  const uuid = (field: 'service' | 'characteristic'): string | undefined => (typeof r[field] === 'string' ? normaliseUuid(r[field]) : undefined);
  const service = uuid('service');
  if (service === undefined) return r.service === undefined ? '"service" is missing' : `"service" is not a Bluetooth UUID: ${JSON.stringify(r.service)}`;
  const characteristic = uuid('characteristic');
  if (characteristic === undefined) {
    return r.characteristic === undefined ? '"characteristic" is missing' : `"characteristic" is not a Bluetooth UUID: ${JSON.stringify(r.characteristic)}`;
  }
  if (typeof r.value !== 'string') return r.value === undefined ? '"value" is missing' : '"value" is not a string of hex digits';
  const hex = r.value.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) return `"value" is not hex: ${JSON.stringify(r.value.slice(0, 40))}`;
  if (hex.length % 2 !== 0) return `"value" has an odd number of hex digits (${hex.length})`;
  if (r.via !== undefined && (typeof r.via !== 'string' || !VIA.has(r.via))) return `"via" must be notify, indicate or read, not ${JSON.stringify(r.via)}`;
  let address: string | undefined;
  if (r.address !== undefined) {
    address = typeof r.address === 'string' ? parseAddress(r.address) : undefined;
    if (address === undefined) return `"address" is not a Bluetooth address (AA:BB:CC:DD:EE:FF): ${JSON.stringify(r.address)}`;
  }
  return {
    t: r.t,
    service,
    characteristic,
    bytes: Uint8Array.from(Buffer.from(hex, 'hex')),
    ...(r.via !== undefined ? { via: r.via as CharacteristicValue['via'] } : {}),
    ...(address !== undefined ? { address } : {}),
  };
}

const refKey = (r: GattRef): string => `${normaliseUuid(r.service) ?? r.service}/${normaliseUuid(r.characteristic) ?? r.characteristic}`;

/** How a value reached the cabin when the line does not say: a read of the link's, else its subscription's mode. */
export function viaOf(driver: BleDriver, ref: GattRef): CharacteristicValue['via'] {
  const k = refKey(ref);
  if (driver.link.read.some((r) => refKey(r) === k)) return 'read';
  return driver.link.subscribe.find((s) => refKey(s) === k)?.mode ?? 'notify';
}

/**
 * BLE values arrive at the connection interval's pace, several sample frames per notification, and a notification
 * delayed or retried by the radio comes tens of ms late: a pause longer than two sample periods plus this is a gap.
 */
const BLE_JITTER_MS = 150;

/**
 * Decodes a BLE capture (one JSON value per line, as `capture` writes) to one DeviceEvent JSON per line. Each device
 * of the file (its `address`) gets a decoder, told `connected` once at its first value with the characteristics the
 * file shows it has, then every value at its time; `disconnected` at the end of the file. Lines that are not values are
 * reported on stderr with their number and skipped; the exit code then says so (1).
 */
export async function decodeBleCommand(driver: BleDriver, file: string, opts: { utcOffsetMin?: number }): Promise<number> {
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  const values: (CaptureLine & { line: number })[] = [];
  let bad = 0;
  let lineNo = 0;
  const name = file === '-' ? 'stdin' : file;
  try {
    const reader = createInterface({ input, crlfDelay: Infinity });
    for await (const raw of reader) {
      lineNo++;
      const text = raw.trim();
      if (text === '') continue;
      const v = parseCaptureLine(text);
      if (typeof v === 'string') {
        bad++;
        if (bad <= 50) process.stderr.write(`cabin-devices: ${name}:${lineNo}: ${v}; line skipped\n`);
        continue;
      }
      values.push({ ...v, line: lineNo });
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new CliError(`Capture file ${file} does not exist.`);
    if (code === 'EACCES') throw new CliError(`Permission denied reading ${file}.`);
    if (code === 'EISDIR') throw new CliError(`${file} is a directory, not a capture file.`);
    throw err;
  }
  if (bad > 50) process.stderr.write(`cabin-devices: ${name}: ${bad - 50} more bad lines not shown\n`);

  const available = new Map<string, Map<string, GattRef>>();
  for (const v of values) {
    const address = v.address ?? UNKNOWN_ADDRESS;
    let refs = available.get(address);
    if (!refs) available.set(address, (refs = new Map()));
    refs.set(refKey(v), { service: v.service, characteristic: v.characteristic });
  }
  let text = '';
  const lines = new WaveLines((line) => (text += line), (rate) => 2000 / rate + BLE_JITTER_MS);
  const decoders = new Map<string, { decoder: BleDecoder; lastT: number }>();
  // A decoder must never throw; if one does (a driver bug), the value is reported like a bad line and decoding goes on.
  const out = (address: string, line: number, run: () => DeviceEvent[]): void => {
    let events: DeviceEvent[];
    try {
      events = run();
    } catch (err) {
      bad++;
      process.stderr.write(`cabin-devices: ${name}:${line}: the ${driver.manifest.id} decoder failed on this value (${(err as Error).message}); line skipped\n`);
      return;
    }
    for (const e of events) lines.take(e, address);
  };
  try {
    for (const v of values) {
      const address = v.address ?? UNKNOWN_ADDRESS;
      let d = decoders.get(address);
      if (!d) {
        d = { decoder: driver.createDecoder(), lastT: v.t };
        decoders.set(address, d);
        const utcOffsetMin = opts.utcOffsetMin ?? -new Date(v.t).getTimezoneOffset();
        const decoder = d.decoder;
        const ctx = { nowMs: v.t, utcOffsetMin, address, available: [...(available.get(address)?.values() ?? [])] };
        // What the decoder would write (clock, record requests) has no device to go to: taken, as a session would.
        out(address, v.line, () => {
          const events = decoder.connected(ctx);
          decoder.takeOutgoing();
          return events;
        });
      }
      d.lastT = v.t;
      const value: CharacteristicValue = { service: v.service, characteristic: v.characteristic, bytes: v.bytes, via: v.via ?? viaOf(driver, v) };
      const decoder = d.decoder;
      out(address, v.line, () => {
        const events = decoder.value(value, v.t);
        decoder.takeOutgoing();
        return events;
      });
      if (text.length > 1 << 16) {
        await writeOut(text);
        text = '';
      }
    }
    const last = values.at(-1)?.line ?? 0;
    for (const [address, d] of decoders) out(address, last, () => d.decoder.disconnected(d.lastT));
    lines.flush();
    if (text.length > 0) await writeOut(text);
  } catch (err) {
    if ((err as { code?: string }).code === 'EPIPE') return bad > 0 ? 1 : 0;
    throw err;
  }
  if (bad > 0) process.stderr.write(`cabin-devices: ${bad} bad line${bad === 1 ? '' : 's'} in ${name} (the others were decoded)\n`);
  return bad > 0 ? 1 : 0;
}
