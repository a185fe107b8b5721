import { ALL_DRIVER_IDS, BLE_DRIVERS, DRIVERS } from '../../drivers/index.ts';
import { BluezCentral } from './ble/bluez/central.ts';
import { HostRequestSchema, type HostMessage } from '../shared/device-host.ts';
import { checkDrivers, DevicesConfigSchema, type DevicesConfig } from './config.ts';
import { createDeviceManager } from './host.ts';
import { hostLogger } from './host-log.ts';

/**
 * The device host as a child process (child_process.fork, or Electron's utilityProcess): the devices
 * config arrives as JSON in CABIN_DEVICES_CONFIG; HostMessages go to the parent, validated HostRequests
 * come back. Nothing of a session lives here, so the parent may kill and restart it at any time.
 */
/** Electron's utilityProcess talks through `process.parentPort`; a forked Node child through `process.send`. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const send = (m: HostMessage): Promise<void> =>
  new Promise((resolve) => {
    if (parentPort) {
      parentPort.postMessage(m);
      return resolve();
    }
    if (!process.connected || !process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
// A parent that went away makes process.send fail with an 'error' event: nothing left to tell.
process.on('error', () => undefined);
// This process's root logger: its lines reach cabin main's log as `log` messages.
const { log, flushed } = hostLogger(send);

function readConfig(): DevicesConfig {
  const json: unknown = JSON.parse(process.env.CABIN_DEVICES_CONFIG ?? '{}');
  return checkDrivers(DevicesConfigSchema.parse(json), ALL_DRIVER_IDS);
}

let config: DevicesConfig;
try {
  config = readConfig();
} catch (err) {
  const issue = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0];
  const why = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : (err as Error).message;
  log.error(`Invalid devices config: ${why}`);
  await flushed();
  process.exit(2);
}

const manager = createDeviceManager(DRIVERS, config, {
  onWarning: (message) => log.warn(message),
  bleDrivers: BLE_DRIVERS,
  systemBleCentral: () => new BluezCentral({ onWarning: (message) => log.warn(message) }),
});
manager.onMessage((m) => void send(m));

function onRequest(raw: unknown): void {
  const req = HostRequestSchema.safeParse(raw);
  if (!req.success) {
    log.warn(`Ignored a malformed request: ${req.error.issues[0]?.message ?? 'invalid'}`);
    return;
  }
  if (req.data.type === 'shutdown') {
    void manager.stop().then(() => process.exit(0));
    return;
  }
  if (req.data.type === 'attend') {
    manager.attend(req.data.deviceId);
    return;
  }
  if (req.data.type !== 'command') {
    manager.ble(req.data);
    return;
  }
  const { requestId, deviceId, name } = req.data;
  void manager.command(deviceId, name).then((r) =>
    send(r.ok ? { type: 'command-result', requestId, ok: true } : { type: 'command-result', requestId, ok: false, error: r.error }),
  );
}
if (parentPort) parentPort.on('message', (e) => onRequest(e.data));
else process.on('message', onRequest);
// The parent went away (its end, or kill -9): nobody is left to hear the devices. Their stop gets a few seconds;
// a port that never closes does not keep this process alive, holding the devices the next main will want.
const orphaned = (): void => {
  setTimeout(() => process.exit(0), 3000).unref();
  void manager.stop().then(() => process.exit(0));
};
process.on('disconnect', orphaned);
// A parent killed while this module was still loading closed the channel before anyone listened.
if (!parentPort && !process.connected) orphaned();
// Ctrl-C in a terminal reaches the whole process group: the parent stops this host itself (shutdown, or disconnect
// if it dies), so the host does not die first and get reported as a crash to restart.
if (!parentPort) process.on('SIGINT', () => undefined);

await manager.start();
log.info({ simulated: config.simulate.length, ports: config.ports.length }, 'device host started');
