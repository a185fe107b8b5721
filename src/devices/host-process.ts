import { DRIVERS } from '../../drivers/index.ts';
import { HostRequestSchema, type HostMessage } from '../shared/device-host.ts';
import { DevicesConfigSchema } from './config.ts';
import { createDeviceManager } from './host.ts';

/**
 * The device host as a child process (child_process.fork, or Electron's utilityProcess): the devices
 * config arrives as JSON in CABIN_DEVICES_CONFIG; HostMessages go to the parent, validated HostRequests
 * come back. Nothing of a session lives here, so the parent may kill and restart it at any time.
 */
const send = (m: HostMessage): void => {
  process.send?.(m);
};

const parsed = DevicesConfigSchema.safeParse(JSON.parse(process.env.CABIN_DEVICES_CONFIG ?? '{}'));
if (!parsed.success) {
  send({ type: 'log', level: 'error', message: `Invalid devices config: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
  process.exit(2);
}
const manager = createDeviceManager(DRIVERS, parsed.data, { onWarning: (message) => send({ type: 'log', level: 'warn', message }) });
manager.onMessage(send);

process.on('message', (raw: unknown) => {
  const req = HostRequestSchema.safeParse(raw);
  if (!req.success) {
    send({ type: 'log', level: 'warn', message: `Ignored a malformed request: ${req.error.issues[0]?.message ?? 'invalid'}` });
    return;
  }
  if (req.data.type === 'shutdown') {
    void manager.stop().then(() => process.exit(0));
    return;
  }
  const { requestId, deviceId, name } = req.data;
  void manager.command(deviceId, name).then((r) =>
    send(r.ok ? { type: 'command-result', requestId, ok: true } : { type: 'command-result', requestId, ok: false, error: r.error }),
  );
});
// The parent went away: nobody is left to hear the devices.
process.on('disconnect', () => void manager.stop().then(() => process.exit(0)));

await manager.start();
