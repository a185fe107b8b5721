import { z } from 'zod';

/**
 * What a cabin tells the hub about the devices of a visit, beside their readings (issue 13): who each device is (its
 * Device Information, Bluetooth address, USB ids), for the FHIR export's PhdDevice, and the first seconds of each
 * oximeter connection's pleth, and the passages the doctor marked on the live pleth (`marked`), for an
 * Observation.valueSampledData. Declared once: the cabin builds these, the hub's
 * `device` and `pleth` messages carry them, its store keeps them and its report serves them.
 */

const text = z.string().min(1).max(100);
/** `driver@port` or `driver@ble:AA:BB:…`, as readings name their device (ObservationSchema's limit). */
export const DeviceIdSchema = z.string().min(1).max(300);

export const VisitDeviceSchema = z
  .object({
    deviceId: DeviceIdSchema,
    driver: z.string().min(1).max(64),
    /** The driver's name for the device (its catalogue name). */
    name: text.optional(),
    transport: z.enum(['serial', 'hid', 'ble', 'simulated']).optional(),
    /** Device Information as the device gave it. */
    manufacturer: text.optional(),
    model: text.optional(),
    serial: text.optional(),
    firmware: text.optional(),
    hardware: text.optional(),
    software: text.optional(),
    protocol: text.optional(),
    /** DIS System ID: its 8 bytes in hex as the device sends them (least significant first, per Bluetooth). */
    systemId: z.string().regex(/^[0-9A-Fa-f]{16}$/, 'a System ID of 8 bytes in hex').optional(),
    /** Bluetooth address. */
    address: z.string().regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, 'a Bluetooth address AA:BB:CC:DD:EE:FF').optional(),
    /** A USB device's ids (serial or HID), 4 hex digits each. */
    usb: z.object({ vendorId: z.string().regex(/^[0-9a-fA-F]{4}$/), productId: z.string().regex(/^[0-9a-fA-F]{4}$/) }).strict().optional(),
  })
  .strict();
export type VisitDevice = z.infer<typeof VisitDeviceSchema>;

/** Samples in one excerpt: 10 s at up to 400 Hz. The cabin also keeps each message under REPORT_PART_BYTES. */
export const MAX_EXCERPT_SAMPLES = 4000;

/** The first seconds of one connection's waveform, as the device scaled its samples. */
export const PlethExcerptSchema = z
  .object({
    deviceId: DeviceIdSchema,
    code: z.literal('MDC_PULS_OXIM_PLETH'),
    /** The first sample's time (cabin clock, ms since the epoch). */
    t: z.number().finite().min(0),
    /** Samples per second. */
    rate: z.number().finite().min(1).max(1000),
    samples: z.array(z.number().finite().min(-1e9).max(1e9)).min(1).max(MAX_EXCERPT_SAMPLES),
    /**
     * A passage the doctor kept from the live pleth (« Garder ce passage »), sent by the doctor's console for its own
     * live consultation; absent: the cabin's first seconds of a connection. Only `true`: a cabin never sends it.
     */
    marked: z.literal(true).optional(),
  })
  .strict();
export type PlethExcerpt = z.infer<typeof PlethExcerptSchema>;

/** Passages a doctor may keep per consultation (the console says so when the limit is reached). */
export const MAX_MARKED_PLETH = 20;
/** A kept passage is at most this long (the console keeps the last 10 s); the hub refuses longer ones. */
export const MAX_MARKED_PLETH_S = 60;

/** A marked passage's duration in seconds (its samples at its rate). */
export const excerptSeconds = (e: Pick<PlethExcerpt, 'samples' | 'rate'>): number => e.samples.length / e.rate;
