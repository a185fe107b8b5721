import { z } from 'zod';

/**
 * What the demo hub (a child process of `npm start`) tells its launcher over the IPC channel: that it listens, with
 * the doctor console's URL and the demo doctor's login, or why it could not start. The launcher restarts a hub that
 * stops (src/main/launch/demo-hub.ts).
 */
export const DemoHubMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    port: z.number().int().min(1).max(65535),
    doctorUrl: z.string().url(),
    /** At a first start only: a restarted hub (`--again`) keeps the accounts it seeded then, and does not know the password. */
    login: z.object({ username: z.string().min(1), password: z.string().min(1) }).optional(),
  }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type DemoHubMessage = z.infer<typeof DemoHubMessageSchema>;
