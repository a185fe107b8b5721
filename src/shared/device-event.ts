import { z } from 'zod';
import { MdcCodeSchema } from './catalogue.ts';
import { ObservationSchema } from './observation.ts';

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

/** A driver's observation: the contract's fields (ObservationSchema, same limits), the device and time optional. */
export const ObservationEventSchema = ObservationSchema.pick({ code: true, value: true, unit: true, t: true, measurementId: true })
  .partial({ t: true })
  .extend({ kind: z.literal('observation'), device: z.string().optional() });

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

export const DeviceEventSchema = z.discriminatedUnion('kind', [
  ObservationEventSchema,
  WaveformEventSchema,
  StatusEventSchema,
]);

export type ObservationEvent = z.infer<typeof ObservationEventSchema>;
export type WaveformEvent = z.infer<typeof WaveformEventSchema>;
export type StatusEvent = z.infer<typeof StatusEventSchema>;
export type DeviceEvent = z.infer<typeof DeviceEventSchema>;
