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
  transport: z.enum(['serial', 'hid', 'simulated']),
  path: z.string(),
  /** Why this driver was chosen (USB ids, configuration, probing). */
  reason: z.string(),
  /** Named commands of the driver's link (e.g. `measure`). */
  commands: z.array(z.string()),
});
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;

export const LinkStateSchema = z.enum(['connecting', 'connected', 'reconnecting', 'error']);
export type LinkState = z.infer<typeof LinkStateSchema>;

export const HostLogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type HostLogLevel = z.infer<typeof HostLogLevelSchema>;
/** A log line's structured fields: flat, plain values (main writes them to its own log, which censors patient fields). */
export const HostLogFieldsSchema = z.record(z.string().max(64), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const HostMessageSchema = z.discriminatedUnion('type', [
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
]);
export type HostRequest = z.infer<typeof HostRequestSchema>;
