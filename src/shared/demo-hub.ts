import { z } from 'zod';

/**
 * What the demo hub (a child process of `npm start`) tells its launcher over the IPC channel: that it listens, with
 * the doctor console's URL and the demo doctor's login, or why it could not start.
 */
export const DemoHubMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    port: z.number().int().min(1).max(65535),
    doctorUrl: z.string().url(),
    login: z.object({ username: z.string().min(1), password: z.string().min(1) }),
  }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type DemoHubMessage = z.infer<typeof DemoHubMessageSchema>;
