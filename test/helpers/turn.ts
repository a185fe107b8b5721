import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';

export const TURNSERVER = '/usr/bin/turnserver';

export interface Turn {
  url: string;
  port: number;
  secret: string;
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * coturn on loopback with the REST-API shared secret (webrtc.md §4, the invocation measured on these machines):
 * loopback peers allowed, no TLS, a small relay port range.
 */
export async function startTurn(secret = 'turn-test-secret'): Promise<Turn> {
  if (!existsSync(TURNSERVER)) throw new Error(`${TURNSERVER} is missing: run scripts/setup.sh (apt-get install coturn).`);
  const port = await freeUdpPort();
  const min = 49152 + Math.floor(Math.random() * 100) * 100;
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${min}`,
      `--max-port=${min + 99}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=cabin.test',
      '--allow-loopback-peers',
      '--cli-password=not-used-cli',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turnserver did not start:\n${log.join('')}`)), 10_000);
    const onData = (d: Buffer): void => {
      log.push(d.toString());
      if (/listener opened on|Total General servers|relay 127\.0\.0\.1 initialization/i.test(log.join(''))) {
        clearTimeout(timer);
        setTimeout(resolve, 200);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`turnserver exited (${code}):\n${log.join('')}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    secret,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
