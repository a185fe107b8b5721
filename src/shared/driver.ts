import type { MdcCode } from './catalogue.ts';
import type { DeviceEvent, DeviceStatus } from './device-event.ts';

/**
 * The driver contract (ARCHITECTURE.md "Driver"). A driver is pure: no I/O, no timers, no Node or DOM
 * API. The device manager owns transports and clocks; a driver only turns bytes into DeviceEvents,
 * declares what to send (`link`), and can play the device's side (`createSimulator`).
 */

export type DeviceCategory = 'oximeter' | 'blood-pressure' | 'thermometer' | 'scale' | 'glucometer';

export interface SerialSettings {
  readonly baudRate: number;
  readonly dataBits: 5 | 6 | 7 | 8;
  readonly parity: 'none' | 'even' | 'odd';
  readonly stopBits: 1 | 2;
}

/** A USB identity rule. Strings are matched case-insensitively as substrings; absent fields match anything. */
export interface UsbMatch {
  readonly vendorId: string; // 4 lowercase hex digits
  readonly productId: string;
  readonly manufacturer?: string;
  readonly product?: string;
  /** Why this rule exists (shown by `cabin-devices list`). */
  readonly note?: string;
}

export interface HidSettings {
  /** Length of an input/output report in bytes, without the report-ID byte. */
  readonly reportLength: number;
  /** Report ID used on writes (0 for devices without report IDs: sent as a leading 0x00). */
  readonly reportId: number;
}

export interface DriverManifest {
  readonly id: string;
  readonly name: string;
  readonly manufacturer: string;
  readonly models: readonly string[];
  readonly category: DeviceCategory;
  readonly transport: 'serial' | 'hid' | 'ble';
  readonly serial?: SerialSettings;
  readonly hid?: HidSettings;
  readonly ble?: BleSettings;
  /** USB ids that identify the device (or its cable's USB-serial chip). Empty for RS-232-only devices. */
  readonly usb: readonly UsbMatch[];
  /** Every MDC reference id this driver can emit. */
  readonly codes: readonly MdcCode[];
  /** What waveform samples mean, when the driver emits waveforms (e.g. "pleth 0–127, device units"). */
  readonly waveformScale?: string;
  /** Milliseconds of valid traffic within which the decoder recognises the device when probing. */
  readonly probeMs: number;
  /** Bytes per second the device sends while working (times the replay of a raw capture). */
  readonly bytesPerSecond?: number;
  /** The longest silence of a working device; longer means it is off or gone. Absent: devices that only
   * speak after a measurement (a scale), for which silence is normal. */
  readonly silenceMs?: number;
  /** Line-oriented devices: the serial transport frames input with @serialport/parser-readline. */
  readonly lineDelimiter?: string;
}

/**
 * One thing to send to the device. Serial: `data` bytes as they go on the wire. HID: `data` is one output
 * report's payload and `feature` one feature report's payload, both without the report-ID byte (the HID
 * transport adds it and pads to the report length).
 */
export interface Frame {
  readonly kind: 'data' | 'feature';
  readonly bytes: readonly number[];
}

export interface Periodic {
  readonly everyMs: number;
  readonly frames: readonly Frame[];
}

export interface LinkCommand {
  readonly description: string;
  readonly frames: readonly Frame[];
  /** `stop`: the host stopped the stream on purpose, so no restart after silence until a `start` command. */
  readonly stream?: 'start' | 'stop';
  /** A status the host reports when the command is issued (e.g. a cuff that the patient must start). */
  readonly status?: { readonly status: DeviceStatus; readonly detail: string };
}

/** Data, not code that runs: the device manager carries it out. */
export interface Link {
  /** Sent in order right after the port opens. */
  readonly open: readonly Frame[];
  /** Sent every `everyMs` so the device keeps streaming. */
  readonly keepAlive?: Periodic;
  /** Requests sent every `everyMs` to devices that only answer when asked. */
  readonly poll?: Periodic;
  /** When no bytes arrived for `afterMs`, these frames restart the stream. */
  readonly restartAfterSilence?: { readonly afterMs: number; readonly frames: readonly Frame[] };
  /** Sent before the port is closed. */
  readonly close: readonly Frame[];
  /** Named commands (e.g. `measure`). */
  readonly commands: Readonly<Record<string, LinkCommand>>;
}

export interface Decoder {
  /**
   * Feed bytes as they arrived (any chunking; for HID, one input report per call) and get the events they
   * complete. Never throws, whatever the bytes.
   */
  push(bytes: Uint8Array, nowMs: number): DeviceEvent[];
  /** Request/response protocols: frames the protocol needs sent now (e.g. read a new record). */
  takeOutgoing?(): Frame[];
  /** Told about every frame the host sent, so replies can be matched to requests. */
  sent?(frame: Frame, nowMs: number): void;
  /** True once valid frames of this protocol have been decoded (used when probing an unknown port). */
  readonly recognised: boolean;
}

/** A scenario: the values the simulated device measures at a given time since it started. */
export interface Simulator {
  /** Bytes (serial) or input reports (HID: one report per element) the device emits up to `nowMs`. */
  advance(nowMs: number): Uint8Array[];
  /** The host sent `frame`; returns what the device answers immediately. */
  receive(frame: Frame, nowMs: number): Uint8Array[];
  /** Change what the simulated patient/device shows from now on (for tests and demos). */
  set(values: SimulatorValues): void;
}

/** Values a scenario can set; each driver uses the ones it measures. Absent = leave as is. */
export interface SimulatorValues {
  spo2?: number;
  pulse?: number;
  perfusionIndex?: number;
  probeOff?: boolean;
  systolic?: number;
  diastolic?: number;
  temperature?: number;
  weight?: number;
  height?: number;
  bodyFat?: number;
  /** Emit a new measurement (BP cuff, thermometer, scale) with the current values. */
  completeMeasurement?: boolean;
}

export interface Driver {
  readonly manifest: DriverManifest;
  readonly link: Link;
  createDecoder(): Decoder;
  /** Scenario names this driver's simulator knows; the first is the default. */
  readonly scenarios: readonly string[];
  createSimulator(scenario?: string): Simulator;
}

// ——— Bluetooth Low Energy ———————————————————————————————————————————————————————————————————————————————
//
// A BLE driver keeps the folder shape (manifest, decoder, link, simulator). Its decoder takes characteristic values
// instead of a byte stream, its link is data (what to read, subscribe and write), and its simulator is a GATT server.
// UUIDs are lowercase: Bluetooth SIG ones as 4 hex digits ('2a35'), others in the dashed 128-bit form
// ('49535343-fe7d-4ae5-8fa9-9fafd205e455'); `drivers/_ble/uuid.ts` normalises any spelling.

/** One rule that recognises a device from its advertisement: any listed service, and the name pattern if given. */
export interface BleMatch {
  /** Advertised service UUIDs; one of them must be advertised. Absent: the name alone decides. */
  readonly services?: readonly string[];
  /** A case-insensitive regular expression (source) the advertised local name must match. */
  readonly name?: string;
  /** Why this rule exists (shown by `cabin-devices list`). */
  readonly note?: string;
}

export interface BleSettings {
  readonly match: readonly BleMatch[];
  /**
   * `episodic`: the device connects for a few seconds after a measurement, then goes quiet (normal, not an error);
   * `streaming`: it stays connected and sends while it is on (an oximeter).
   */
  readonly connection: 'episodic' | 'streaming';
  /** How the device bonds: not at all, "just works" (no code), or a passkey the assistant types. */
  readonly pairing: 'none' | 'just-works' | 'passkey';
  /** What the assistant does to put the device in pairing mode (the panel shows it). */
  readonly pairingMode?: { readonly en: string; readonly fr: string };
  /**
   * Writing the device's Current Time: on every connection, only when it is off by more than the tolerance (Omron
   * writes it only then), or never.
   */
  readonly setClock: 'always' | 'when-skewed' | 'never';
  /** Beyond this difference with the cabin's clock a device clock is flagged `skewed` (default 5 minutes). */
  readonly clockToleranceMs?: number;
  /** How the device gives its stored readings: on request (RACP), all at each connection, or only the latest. */
  readonly records: 'racp' | 'resend-all' | 'latest-only' | 'none';
}

/** A characteristic of a service. */
export interface GattRef {
  readonly service: string;
  readonly characteristic: string;
}

export interface BleWrite extends GattRef {
  readonly bytes: readonly number[];
  /** Write request (acknowledged) rather than write command. Default true. */
  readonly withResponse?: boolean;
}

export interface BleSubscription extends GattRef {
  readonly mode: 'notify' | 'indicate';
  /** Subscribed only when the device has it. */
  readonly optional?: boolean;
}

/** Data, not code that runs: the BLE session carries it out on each connection. */
export interface BleLink {
  /** Read in order right after the services are resolved; each value goes to the decoder (`via: 'read'`). */
  readonly read: readonly (GattRef & { readonly optional?: boolean })[];
  /** Subscribed in order after the reads (a record-access point's indications before any request is written). */
  readonly subscribe: readonly BleSubscription[];
  /** Once a measurement has arrived, the cabin disconnects after this much silence (devices that stay connected). */
  readonly idleDisconnectMs?: number;
  /** Named commands: writes to perform (e.g. start a measurement), with an optional status for the person. */
  readonly commands: Readonly<Record<string, { readonly description: string; readonly writes: readonly BleWrite[]; readonly status?: LinkCommand['status'] }>>;
}

/** One characteristic value from the device: a notification, an indication, or the answer to a read. */
export interface CharacteristicValue extends GattRef {
  readonly bytes: Uint8Array;
  readonly via: 'notify' | 'indicate' | 'read';
}

/** What the BLE session knows when a connection opens. */
export interface BleConnectionContext {
  /** The cabin's clock (ms since the epoch) and its offset from UTC in minutes (device DateTimes are local times). */
  readonly nowMs: number;
  readonly utcOffsetMin: number;
  /** The device's Bluetooth address. */
  readonly address: string;
  /** Characteristics the device has (after service discovery). */
  readonly available: readonly GattRef[];
  /** The last record delivered from this device (the cabin's SQLite), so only newer ones are asked for and kept. */
  readonly lastSeq?: number;
  readonly lastT?: number;
}

export interface BleDecoder {
  /** A connection opened (services resolved, before the link's reads). */
  connected(ctx: BleConnectionContext): DeviceEvent[];
  /** A value from the device. Never throws, whatever the bytes. */
  value(v: CharacteristicValue, nowMs: number): DeviceEvent[];
  /** Writes the protocol needs now (set the clock, ask for records newer than the last one seen). */
  takeOutgoing(): BleWrite[];
  /** The connection ended (the device's choice or ours). */
  disconnected(nowMs: number): DeviceEvent[];
  /**
   * Time passes while connected (the device manager's tick): a request the device never answered can be retried
   * another way (a glucometer that ignores "records ≥ n" but answers "last record"). Writes go out via takeOutgoing.
   */
  tick?(nowMs: number): DeviceEvent[];
  /** True once valid values of this profile have been decoded. */
  readonly recognised: boolean;
}

export type GattProperty = 'read' | 'write' | 'write-without-response' | 'notify' | 'indicate';

export interface GattServiceSpec {
  readonly uuid: string;
  readonly characteristics: readonly { readonly uuid: string; readonly properties: readonly GattProperty[] }[];
}

/** A value the simulated device sends on one of its characteristics (notification or indication). */
export interface BleEmission extends GattRef {
  readonly bytes: Uint8Array;
}

/** The device's side: a GATT server with the values the real device would send, on a scenario's clock. */
export interface BleSimulator {
  readonly name: string;
  /** Bluetooth address (`AA:BB:CC:DD:EE:FF`). */
  readonly address: string;
  readonly advertisedServices: readonly string[];
  readonly gatt: readonly GattServiceSpec[];
  /** Connectable now: an episodic device advertises only while it has something to send. */
  advertising(nowMs: number): boolean;
  connected(nowMs: number): void;
  disconnected(nowMs: number): void;
  /** The value of a readable characteristic (undefined: not readable). */
  read(ref: GattRef, nowMs: number): Uint8Array | undefined;
  /** A write from the central; returns what the device sends right away in answer (record access responses). */
  write(ref: GattRef, bytes: Uint8Array, nowMs: number): BleEmission[];
  /** Notifications/indications switched on or off; returns what the device then sends (its stored readings). */
  subscribed(ref: GattRef, on: boolean, nowMs: number): BleEmission[];
  /** What the device sends up to `nowMs` while connected. */
  advance(nowMs: number): BleEmission[];
  /** The device ends the connection itself (it has sent everything). */
  wantsDisconnect(nowMs: number): boolean;
  set(values: SimulatorValues): void;
}

export interface BleDriver {
  readonly manifest: DriverManifest & { readonly transport: 'ble'; readonly ble: BleSettings };
  readonly link: BleLink;
  createDecoder(): BleDecoder;
  readonly scenarios: readonly string[];
  /** `utcOffsetMin`: the zone the device's clock shows (devices show local time; default: the driver's choice). */
  createSimulator(scenario?: string, options?: { utcOffsetMin?: number }): BleSimulator;
}
