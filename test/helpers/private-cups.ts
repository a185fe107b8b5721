import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The cups-pdf PPD Debian's cups-pdf package installs. */
const CUPS_PDF_PPD = '/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd';

export interface PrivateCups {
  /** `127.0.0.1:PORT`, for lp's -h. */
  server: string;
  /** The cups-pdf queue. */
  printer: string;
  /** Where cups-pdf writes this user's jobs (its config's `Out`, with ${HOME} as the job user's). */
  outDir: string;
  stop(): Promise<void>;
}

/**
 * A cupsd of its own, as root, on a loopback port, with every file in a temporary folder (the machine's cupsd, running
 * or not, is not used), and one cups-pdf queue. cups-pdf itself only reads /etc/cups/cups-pdf.conf: it writes a job to
 * `Out` of that file for the user who printed (Debian: ~/PDF). `jobHistory: false` sets PreserveJobHistory No.
 */
export async function startPrivateCups(printer = 'CabinPDF', opts: { jobHistory?: boolean } = {}): Promise<PrivateCups> {
  if (process.getuid?.() !== 0) throw new Error('the cups-pdf test runs cupsd and the cups-pdf backend, which need root');
  for (const f of ['/usr/sbin/cupsd', '/usr/sbin/lpadmin', '/usr/lib/cups/backend/cups-pdf', CUPS_PDF_PPD]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: bash scripts/setup.sh (apt-get install cups cups-client cups-pdf)`);
  }
  const port = await freePort();
  const server = `127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'cabin-cups-'));
  // The filters run as lp: they must reach the spool and temp folders (cupsd sets those folders' own modes).
  chmodSync(dir, 0o755);
  for (const d of ['conf', 'spool/tmp', 'cache', 'state', 'log']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  const files = [
    `ServerRoot ${dir}/conf`,
    `RequestRoot ${dir}/spool`,
    `TempDir ${dir}/spool/tmp`,
    `CacheDir ${dir}/cache`,
    `StateDir ${dir}/state`,
    `AccessLog ${dir}/log/access_log`,
    `ErrorLog ${dir}/log/error_log`,
    `PageLog ${dir}/log/page_log`,
    'SystemGroup root',
    'User lp',
    'Group lp',
  ];
  const conf = [
    `Listen ${server}`,
    process.env.CUPS_DEBUG ? 'LogLevel debug' : 'LogLevel warn',
    'Browsing Off',
    // `jobHistory: false`: a site's cupsd that forgets a job as soon as it ended (`lpstat -W completed` never lists it).
    ...(opts.jobHistory === false ? ['PreserveJobHistory No'] : []),
    'WebInterface No',
    'DefaultAuthType None',
    '<Location />',
    '  Order allow,deny',
    '  Allow 127.0.0.1',
    '</Location>',
    '<Policy default>',
    '  <Limit All>',
    '    Order deny,allow',
    '  </Limit>',
    '</Policy>',
  ];
  writeFileSync(join(dir, 'cups-files.conf'), `${files.join('\n')}\n`);
  writeFileSync(join(dir, 'cupsd.conf'), `${conf.join('\n')}\n`);
  const cupsd: ChildProcess = spawn('/usr/sbin/cupsd', ['-f', '-c', join(dir, 'cupsd.conf'), '-s', join(dir, 'cups-files.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => cupsd.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (cupsd.exitCode === null) cupsd.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (cupsd.exitCode === null) cupsd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(() => spawnSync('lpstat', ['-h', server, '-r'], { encoding: 'utf8' }).stdout.includes('is running'), 10_000, 'the private cupsd did not start');
    const add = spawnSync('/usr/sbin/lpadmin', ['-h', server, '-p', printer, '-v', 'cups-pdf:/', '-P', CUPS_PDF_PPD, '-E'], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`lpadmin failed: ${add.stderr}`);
    // PDF to PostScript (cups-pdf's input) with cairo: Ghostscript's way loses the text's Unicode, which pdftotext reads.
    const renderer = spawnSync('/usr/sbin/lpadmin', ['-h', server, '-p', printer, '-o', 'pdftops-renderer-default=pdftocairo'], { encoding: 'utf8' });
    if (renderer.status !== 0) throw new Error(`lpadmin failed: ${renderer.stderr}`);
  } catch (err) {
    const log = existsSync(join(dir, 'log/error_log')) ? readFileSync(join(dir, 'log/error_log'), 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return { server, printer, outDir: cupsPdfOut(), stop };
}

/** cups-pdf's output folder for this user: `Out` in /etc/cups/cups-pdf.conf (Debian's default ${HOME}/PDF). */
function cupsPdfOut(): string {
  let out = '${HOME}/PDF';
  try {
    const line = /^\s*Out\s+(\S.*)$/m.exec(readFileSync('/etc/cups/cups-pdf.conf', 'utf8'));
    if (line) out = line[1]!.trim();
  } catch {
    // No config: cups-pdf's default.
  }
  return out.replace('${HOME}', userInfo().homedir).replace('${USER}', userInfo().username);
}

export async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
