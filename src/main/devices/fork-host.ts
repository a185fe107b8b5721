import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DevicesConfig } from '../../devices/config.ts';
import type { HostLauncher } from './supervisor.ts';

const HOST_ENTRY = fileURLToPath(new URL('../../devices/host-process.ts', import.meta.url));
/**
 * How `npm start` runs TypeScript, here for the host too: a cached esbuild bundle of it, or tsx's loader when it cannot
 * be bundled (bin/ts-bundle.mjs). It sets the child's argv[1] to HOST_ENTRY, as a fork of HOST_ENTRY itself had it.
 */
const RUN_TS = fileURLToPath(new URL('../../../bin/run-ts.mjs', import.meta.url));

/** Browser mode: the device host as a Node child process (TypeScript with no build step: bin/run-ts.mjs). */
export function forkHostLauncher(config: DevicesConfig): HostLauncher {
  return () => {
    const child = fork(RUN_TS, [HOST_ENTRY], {
      // Not this process's flags (a test runner's): the host's own start, as before with only tsx's --import.
      execArgv: [],
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
