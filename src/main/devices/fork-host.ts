import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DevicesConfig } from '../../devices/config.ts';
import type { HostLauncher } from './supervisor.ts';

const HOST_ENTRY = fileURLToPath(new URL('../../devices/host-process.ts', import.meta.url));

/** Browser mode: the device host as a Node child process (TypeScript through tsx's loader). */
export function forkHostLauncher(config: DevicesConfig): HostLauncher {
  return () => {
    const child = fork(HOST_ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, CABIN_DEVICES_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // A failed spawn or a send racing the child's exit must not throw in main: it counts as an exit.
    child.on('error', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return {
      send: (m) => {
        if (child.connected) child.send(m, (err) => void err);
      },
      onMessage: (l) => void child.on('message', l),
      onExit: (l) => void child.on('exit', (code) => l(code)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}
