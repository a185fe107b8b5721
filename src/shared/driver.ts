import type { MdcCode } from './catalogue.ts';
import type { DeviceEvent, DeviceStatus } from './device-event.ts';

/**
 * The driver contract (ARCHITECTURE.md "Driver"). A driver is pure: no I/O, no timers, no Node or DOM
 * API. The device manager owns transports and clocks; a driver only turns bytes into DeviceEvents,
 * declares what to send (`link`), and can play the device's side (`createSimulator`).
 */

export type DeviceCategory = 'oximeter' | 'blood-pressure' | 'thermometer' | 'scale';

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
  readonly transport: 'serial' | 'hid';
  readonly serial?: SerialSettings;
  readonly hid?: HidSettings;
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
