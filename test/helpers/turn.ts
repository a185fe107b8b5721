import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = '/usr/bin/turnserver';

export interface Turn {
  /** `turn:…?transport=udp`. */
  url: string;
  /** `turn:…?transport=tcp` (coturn listens on TCP on the same port). */
  tcpUrl: string;
  /** `turns:…?transport=tcp` when started with `tls` (a self-signed certificate), else undefined. */
  tlsUrl?: string;
  /**
   * With `tls`: the base64 SHA-256 of the certificate's public key, for Chromium's `--ignore-certificate-errors-spki-list`
   * (Chromium checks a TURN server's TLS certificate: a self-signed one is refused, error 701, unless trusted so).
   */
  tlsSpki?: string;
  port: number;
  secret: string;
  stop(): Promise<void>;
}

export interface TurnOptions {
  secret?: string;
  /** Also listen for TURN over TLS (a fresh self-signed certificate for 127.0.0.1), as a cabin's 443 listener does. */
  tls?: boolean;
}

/** A self-signed certificate and key (P-256, one day) in `dir`, made with Debian's openssl. */
function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'turn.crt');
  const key = join(dir, 'turn.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo (what `--ignore-certificate-errors-spki-list` takes). */
function spkiHash(certPath: string): string {
  const pub = execFileSync('openssl', ['x509', '-in', certPath, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  return createHash('sha256').update(der).digest('base64');
}

/** A loopback port free for both UDP and TCP (coturn listens on both on its listening port). */
async function freePort(): Promise<number> {
  for (let tries = 0; ; tries++) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const port = s.address().port;
    const tcp = createServer();
    const tcpFree = await new Promise<boolean>((r) => {
      tcp.once('error', () => r(false));
      tcp.listen(port, '127.0.0.1', () => r(true));
    });
    await new Promise<void>((r) => (tcpFree ? tcp.close(() => r()) : r()));
    await new Promise<void>((r) => s.close(() => r()));
    if (tcpFree || tries >= 20) return port;
  }
}

/**
 * coturn on loopback with the REST-API shared secret (webrtc.md §4, the invocation measured on these machines):
 * loopback peers allowed, a small relay port range; UDP and TCP on one port, and TLS on another with `tls`.
 */
export async function startTurn(opts: TurnOptions | string = {}): Promise<Turn> {
  const { secret = 'turn-test-secret', tls = false } = typeof opts === 'string' ? { secret: opts } : opts;
  if (!existsSync(TURNSERVER)) throw new Error(`${TURNSERVER} is missing: run scripts/setup.sh (apt-get install coturn).`);
  const port = await freePort();
  const tlsPort = tls ? await freePort() : undefined;
  const certDir = tls ? mkdtempSync(join(tmpdir(), 'cabin-turn-')) : undefined;
  const removeCerts = (): void => void (certDir && rmSync(certDir, { recursive: true, force: true }));
  let pair: { cert: string; key: string } | undefined;
  try {
    pair = certDir ? selfSigned(certDir) : undefined;
  } catch (err) {
    removeCerts();
    throw err;
  }
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
      ...(pair && tlsPort ? [`--tls-listening-port=${tlsPort}`, `--cert=${pair.cert}`, `--pkey=${pair.key}`] : ['--no-tls']),
      '--no-dtls',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      removeCerts();
      reject(new Error(`turnserver did not start:\n${log.join('')}`));
    }, 10_000);
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
      removeCerts();
      reject(new Error(`turnserver exited (${code}):\n${log.join('')}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    tcpUrl: `turn:127.0.0.1:${port}?transport=tcp`,
    ...(tlsPort && pair ? { tlsUrl: `turns:127.0.0.1:${tlsPort}?transport=tcp`, tlsSpki: spkiHash(pair.cert) } : {}),
    port,
    secret,
    stop: async () => {
      removeCerts();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
