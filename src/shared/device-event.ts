import { z } from 'zod';
import { MdcCodeSchema } from './catalogue.ts';

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

export const ObservationEventSchema = z.object({
  kind: z.literal('observation'),
  code: MdcCodeSchema,
  value: z.number().finite(),
  unit: z.string().min(1),
  device: z.string().optional(),
  t: z.number().finite().optional(),
  measurementId: z.string().optional(),
});

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
