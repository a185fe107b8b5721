import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A child that cannot outlive cabin main, even when main is killed with SIGKILL (Node cannot set Linux's
 * PR_SET_PDEATHSIG). The child runs under a small POSIX shell in a process group of its own; the shell's stdin is a
 * pipe whose other end only cabin main holds (Node opens its descriptors close-on-exec). When main ends, however it
 * ends, the kernel closes that end: the shell reads end of file, asks the child to stop (SIGTERM), and after a grace
 * kills the whole group — the browser and every helper process it started. Stopping the shell (SIGTERM, as
 * stopChild does) does the same. When the child ends by itself, what it left in the group is ended too.
 * Production adds a second line of defence: the systemd unit kills the whole control group (resources/cabin.service).
 */
export const TETHER_SCRIPT = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
ending=
end() {
  [ -n "$ending" ] && return
  ending=1
  trap '' TERM INT HUP
  kill -TERM "$child" 2>/dev/null
  i=0
  while kill -0 "$child" 2>/dev/null && [ "$i" -lt "$TETHER_GRACE_TENTHS" ]; do sleep 0.1; i=$((i + 1)); done
  kill -KILL 0
}
trap end TERM INT HUP
( while read -r _ <&3; do :; done; kill -TERM $$ ) &
wait "$child"
code=$?
[ -n "$ending" ] && exit "$code"
trap '' TERM
kill -TERM 0 2>/dev/null
exit "$code"
`;

export interface TetherOptions {
  /** How long the child has to end on SIGTERM before its whole process group is killed. */
  graceMs?: number;
}

/**
 * Starts `exe args` tethered to this process (see TETHER_SCRIPT). The returned ChildProcess is the shell: its pid
 * leads the process group, its stderr is the child's, and killing it ends the child. The stdin pipe must stay open
 * (it is the tether): nothing is written to it.
 */
export function spawnTethered(exe: string, args: string[], o: TetherOptions = {}): ChildProcess {
  const tenths = Math.max(1, Math.round((o.graceMs ?? 5000) / 100));
  const child = spawn('/bin/sh', ['-c', TETHER_SCRIPT, 'cabin-tether', exe, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    // A process group of its own: the shell can end the browser's helpers too, and a Ctrl-C in main's terminal
    // reaches main only (main then stops the browser and removes its profile).
    detached: true,
    env: { ...process.env, TETHER_GRACE_TENTHS: String(tenths) },
  });
  // The tether must not keep main's event loop alive, nor fail main if the shell is already gone.
  child.stdin?.on('error', () => undefined);
  return child;
}
