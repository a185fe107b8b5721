import { z } from 'zod';
import { DeviceEventSchema } from './device-event.ts';

/**
 * Messages between the device host (DeviceManager, possibly in a child process) and cabin main. Plain,
 * JSON-serialisable objects, validated with these schemas wherever they cross a process boundary.
 */

export const DeviceInfoSchema = z.object({
  /** Stable id of a device on a port: `<driver id>@<port path>`. */
  id: z.string(),
  driver: z.string(),
  name: z.string(),
  category: z.string(),
  transport: z.enum(['serial', 'hid', 'ble', 'simulated']),
  /** The port, or for a BLE device `ble:<address>` (`sim-ble:<address>` when simulated). */
  path: z.string(),
  /** A BLE device's Bluetooth address. */
  address: z.string().max(17).optional(),
  /** A USB device's ids (serial or HID), as the system shows them: for the record (issue 13, PhdDevice). */
  usb: z.object({ vendorId: z.string().max(4), productId: z.string().max(4) }).optional(),
  /** Why this driver was chosen (USB ids, configuration, probing). */
  reason: z.string(),
  /** Named commands of the driver's link (e.g. `measure`). */
  commands: z.array(z.string()),
});
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;

/**
 * `waiting`: a BLE device that connects only to send a measurement is not connected now, which is normal (the panel
 * says "waiting for a measurement", or "done" after one).
 */
export const LinkStateSchema = z.enum(['connecting', 'connected', 'reconnecting', 'error', 'waiting']);
export type LinkState = z.infer<typeof LinkStateSchema>;

export const HostLogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type HostLogLevel = z.infer<typeof HostLogLevelSchema>;
/** A log line's structured fields: flat, plain values (main writes them to its own log, which censors patient fields). */
export const HostLogFieldsSchema = z.record(z.string().max(64), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const Address = z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/, 'a Bluetooth address AA:BB:CC:DD:EE:FF');

/** A BLE device seen nearby (assistant's pairing panel). */
export const BleNearbySchema = z.object({
  address: Address,
  name: z.string().max(248).optional(),
  rssi: z.number().int().min(-127).max(20).optional(),
  /** Advertised service UUIDs (normalised, see `drivers/_ble/uuid.ts`). */
  services: z.array(z.string().max(36)).max(64),
  /** The driver it would get, and its device category. */
  driver: z.string().max(64).optional(),
  category: z.string().max(32).optional(),
  pairing: z.enum(['none', 'just-works', 'passkey']).optional(),
  /** The driver's words for putting the device in pairing mode. */
  pairingMode: z.object({ en: z.string().max(300), fr: z.string().max(300) }).optional(),
  paired: z.boolean(),
  /** Assigned to this cabin: connected by itself whenever it advertises. */
  assigned: z.boolean(),
  seenAt: z.number().finite(),
});
export type BleNearby = z.infer<typeof BleNearbySchema>;

export const BlePairingStateSchema = z.enum(['pairing', 'passkey-needed', 'paired', 'failed', 'forgotten']);

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** BLE devices seen while the assistant scans (the whole current list each time). */
  z.object({ type: z.literal('ble-nearby'), scanning: z.boolean(), devices: z.array(BleNearbySchema).max(200) }),
  /** Progress of a pairing or forgetting the assistant asked for. */
  z.object({ type: z.literal('ble-pairing'), requestId: z.string().max(64), address: Address, state: BlePairingStateSchema, detail: z.string().max(300).optional(), driver: z.string().max(64).optional() }),
  z.object({ type: z.literal('attached'), device: DeviceInfoSchema }),
  z.object({ type: z.literal('detached'), deviceId: z.string(), reason: z.string() }),
  z.object({ type: z.literal('link'), deviceId: z.string(), state: LinkStateSchema, detail: z.string().optional() }),
  z.object({ type: z.literal('event'), deviceId: z.string(), event: DeviceEventSchema }),
  z.object({
    type: z.literal('command-result'),
    requestId: z.string(),
    ok: z.boolean(),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal('log'), level: HostLogLevelSchema, message: z.string(), fields: HostLogFieldsSchema.optional() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const HostRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('command'), requestId: z.string(), deviceId: z.string(), name: z.string().max(64) }),
  /** The kiosk's exam step of this device is open (null: none is). */
  z.object({ type: z.literal('attend'), deviceId: z.string().max(300).nullable() }),
  z.object({ type: z.literal('shutdown') }),
  /** The assistant's pairing panel is open (scan and report nearby devices) or closed. */
  z.object({ type: z.literal('ble-scan'), on: z.boolean() }),
  /** Pair (bond) with a device and assign it to this cabin; `passkey` when the device shows one to type. */
  z.object({ type: z.literal('ble-pair'), requestId: z.string().max(64), address: Address, driver: z.string().max(64), passkey: z.string().regex(/^\d{6}$/).optional() }),
  /** Forget one device: unassign it and remove its bond (never the whole BlueZ cache). */
  z.object({ type: z.literal('ble-forget'), requestId: z.string().max(64), address: Address }),
  /** The devices assigned to this cabin (kept by main), sent at start and on each change. */
  z.object({ type: z.literal('ble-assigned'), devices: z.array(z.object({ address: Address, driver: z.string().max(64) })).max(64) }),
  /** The last record delivered per device identity (main's SQLite): only newer ones are asked for and kept. */
  z.object({ type: z.literal('ble-memory'), entries: z.array(z.object({ key: z.string().max(200), seq: z.number().int().min(0).optional(), t: z.number().finite().optional(), recent: z.array(z.string().max(100)).max(256).optional() })).max(1000) }),
]);
export type HostRequest = z.infer<typeof HostRequestSchema>;
