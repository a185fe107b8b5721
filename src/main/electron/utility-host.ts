import type { ForkOptions, UtilityProcess } from 'electron';
import type { HostLauncher } from '../devices/supervisor.ts';

type Fork = (modulePath: string, args?: string[], options?: ForkOptions) => UtilityProcess;

/**
 * The device host in Electron: a `utilityProcess` (child_process.fork cannot work in the packaged app,
 * whose RunAsNode fuse is off). `entry` is the bundled host (JavaScript); its devices config travels in
 * CABIN_DEVICES_CONFIG as in browser mode. The host talks through `process.parentPort`.
 */
export function utilityHostLauncher(fork: Fork, entry: string, devicesConfig: unknown): HostLauncher {
  return () => {
    const child = fork(entry, [], {
      serviceName: 'Cabin device host',
      env: { ...process.env, CABIN_DEVICES_CONFIG: JSON.stringify(devicesConfig) },
      stdio: 'inherit',
    });
    let alive = true;
    child.on('exit', () => {
      alive = false;
    });
    return {
      send: (message) => {
        if (alive) child.postMessage(message);
      },
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.on('exit', (code) => listener(code)),
      kill: () => {
        if (alive) child.kill();
      },
    };
  };
}
