import { z } from 'zod';
import { MdcCodeSchema } from './catalogue.ts';
import { DeviceClockSchema, ObservationFields, ObservationFlagSchema, OBSERVATION_FLAGS, ReportedValueSchema, valueOrAbsent } from './observation.ts';

export { DeviceClockSchema, ObservationFlagSchema, OBSERVATION_FLAGS, ReportedValueSchema };
export type { DeviceClock, ObservationFlag } from './observation.ts';

/** The closed set of signal/device states a decoder may report. */
export const DEVICE_STATUSES = [
  'ok',
  'searching',
  'probe-off',
  'sensor-fault',
  'low-perfusion',
  'artifact',
  'low-battery',
  'measuring',
  'error',
] as const;
export const DeviceStatusSchema = z.enum(DEVICE_STATUSES);
export type DeviceStatus = z.infer<typeof DeviceStatusSchema>;

/** A reading from a device's memory: its record sequence number, and whether the device marked it as stored. */
export const RecordRefSchema = z.object({
  seq: z.number().int().min(0).max(0xffff_ffff).optional(),
  stored: z.boolean().optional(),
});

/**
 * A driver's observation: the contract's fields (ObservationSchema, same limits), the device and time optional;
 * exactly one of a value or an absent reason (the device sent a special value: NaN, NRes, ±INFINITY, reserved).
 */
export const ObservationEventSchema = valueOrAbsent(
  ObservationFields.pick({ code: true, value: true, absent: true, unit: true, t: true, measurementId: true })
    .partial({ t: true })
    .extend({
      kind: z.literal('observation'),
      device: z.string().optional(),
      /** Decimal places the device gave (an IEEE 11073 exponent of −2 keeps 37.60 as 37.60 for the record). */
      decimals: z.number().int().min(0).max(8).optional(),
      reported: ReportedValueSchema.optional(),
      flags: z.array(ObservationFlagSchema).max(OBSERVATION_FLAGS.length).optional(),
      deviceClock: DeviceClockSchema.optional(),
      record: RecordRefSchema.optional(),
    }),
);

export const WaveformEventSchema = z.object({
  kind: z.literal('waveform'),
  code: MdcCodeSchema,
  rate: z.number().positive(),
  samples: z.array(z.number().finite()),
  device: z.string().optional(),
  t: z.number().finite().optional(),
});

export const StatusEventSchema = z.object({
  kind: z.literal('status'),
  status: DeviceStatusSchema,
  detail: z.string().optional(),
  device: z.string().optional(),
  t: z.number().finite().optional(),
});

const idText = z.string().min(1).max(100);
/**
 * Who the device is, as it says (Device Information Service, a vendor's model/version packets): emitted when a part
 * becomes known or changes. Readings then carry a stable device identity (the record needs it).
 */
export const IdentityEventSchema = z.object({
  kind: z.literal('identity'),
  manufacturer: idText.optional(),
  model: idText.optional(),
  serial: idText.optional(),
  firmware: idText.optional(),
  hardware: idText.optional(),
  software: idText.optional(),
  protocol: idText.optional(),
  /** DIS System ID (8 bytes, hex, as the device sends them). */
  systemId: idText.optional(),
  /** Bluetooth address (`AA:BB:CC:DD:EE:FF`). */
  address: idText.optional(),
  device: z.string().optional(),
  t: z.number().finite().optional(),
});

export const DeviceEventSchema = z.discriminatedUnion('kind', [
  ObservationEventSchema,
  WaveformEventSchema,
  StatusEventSchema,
  IdentityEventSchema,
]);

export type ObservationEvent = z.infer<typeof ObservationEventSchema>;
export type WaveformEvent = z.infer<typeof WaveformEventSchema>;
export type StatusEvent = z.infer<typeof StatusEventSchema>;
export type IdentityEvent = z.infer<typeof IdentityEventSchema>;
export type DeviceEvent = z.infer<typeof DeviceEventSchema>;
