import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './redis.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries, the newest installed version (the postgresql package of bookworm is 15). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`PostgreSQL is not installed (no ${root}/<version>/bin/initdb): apt-get install postgresql (scripts/setup.sh does).`);
  return join(root, versions[0]!, 'bin');
}

/**
 * A throwaway PostgreSQL cluster (Debian's) in a temporary folder, reachable on a Unix socket in that folder only (no
 * TCP port is opened: `listen_addresses=''`): what the tests of the hub on PostgreSQL run against (a real server, not
 * a mock). Its durability is off (fsync, synchronous_commit, full_page_writes) since nothing survives the test: it
 * starts in about a second.
 *
 * initdb refuses to run as root, and CI runs as root: as root, the folder is given to the `postgres` account (which
 * the postgresql package creates) and initdb and pg_ctl run as it through runuser; as anyone else they run as that
 * user. Root connects to the socket regardless of the folder's mode. Each test file makes its own database
 * (`createDatabase`), so files never see each other's rows.
 */
export class PrivatePostgres {
  private running = false;
  private constructor(
    /** Only names the socket (`.s.PGSQL.<port>`): nothing listens on TCP. */
    readonly port: number,
    /** The socket's folder; the cluster's data is in `data/` under it, its log in `server.log`. */
    readonly dir: string,
    private readonly bin: string,
  ) {}

  /** A pg URL of database `name` (the `postgres` one by default) on the socket, as the superuser `postgres`. */
  urlOf(name = 'postgres'): string {
    return `postgresql://postgres@localhost/${encodeURIComponent(name)}?host=${encodeURIComponent(this.dir)}&port=${this.port}`;
  }

  get url(): string {
    return this.urlOf();
  }

  static async start(): Promise<PrivatePostgres> {
    const bin = binDir();
    const p = new PrivatePostgres(await freePort(), mkdtempSync(join(tmpdir(), 'pg-test-')), bin);
    try {
      if (PrivatePostgres.asRoot()) chownSync(p.dir, PrivatePostgres.postgresIds().uid, PrivatePostgres.postgresIds().gid);
      await p.as(join(bin, 'initdb'), ['-D', p.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
      await p.up();
    } catch (err) {
      await p.stop().catch(() => undefined);
      throw err;
    }
    return p;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private static asRoot(): boolean {
    return process.getuid?.() === 0;
  }

  private static postgresIds(): { uid: number; gid: number } {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid === undefined || gid === undefined) throw new Error('There is no postgres account (it comes with the postgresql package): apt-get install postgresql.');
    return { uid: Number(uid), gid: Number(gid) };
  }

  /** Runs a PostgreSQL program as `postgres` (runuser) when this process is root, else as this user. */
  private async as(program: string, args: string[]): Promise<void> {
    const [cmd, argv] = PrivatePostgres.asRoot() ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
    try {
      await run(cmd, argv, { timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      const log = existsSync(join(this.dir, 'server.log')) ? readFileSync(join(this.dir, 'server.log'), 'utf8').slice(-2000) : '';
      throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}${log ? `\nserver.log:\n${log}` : ''}`);
    }
  }

  private async up(): Promise<void> {
    // -l: the server's output to a file (pg_ctl's own output would keep the pipe open after it returns).
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await this.as(join(this.bin, 'pg_ctl'), ['-D', this.data, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start']);
    this.running = true;
  }

  /** Stops the server (fast shutdown: sessions are cut), its data kept: `resume` starts it again (a server that is down). */
  async halt(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.as(join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  }

  /** Starts again a halted server, on the same socket, with its data. */
  async resume(): Promise<void> {
    if (!this.running) await this.up();
  }

  /** A PostgreSQL restart: stopped (every connection cut) and started again on the same socket, its data kept. */
  async restart(): Promise<void> {
    await this.halt();
    await this.up();
  }

  /** Stops the server and removes its folder (the end of the test file). */
  async stop(): Promise<void> {
    await this.halt().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The same as stop (PrivateRedis's name for it). */
  close(): Promise<void> {
    return this.stop();
  }

  /** Creates an empty database (`template0`, UTF-8) and gives its URL; `extra` is added to CREATE DATABASE (e.g. an ICU locale). */
  async createDatabase(name: string, extra = ''): Promise<string> {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Database name ${name}: lower-case letters, digits and _ only.`);
    const c = new pg.Client({ connectionString: this.url });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' ${extra}`);
    } finally {
      await c.end();
    }
    return this.urlOf(name);
  }
}
