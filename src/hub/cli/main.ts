import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { trustList } from '../../server/client-address.ts';
import { closeLogger, createLogger, createRootLogger, type Logger } from '../../server/log.ts';
import { seedDemoFromKeyFile } from '../demo.ts';
import { exportFhir, exportPdf } from '../fhir/export.ts';
import { FhirPushQueue, fhirPushConfigFromEnv } from '../fhir/push.ts';
import { createHub, type HubOptions } from '../server.ts';
import { migrateHubDatabase, openHubDatabase } from '../db/open.ts';
import { databaseOf, mustExist, openStore, redisUrlOf, UsageError } from './database.ts';
import { HubStoreError, MIN_PASSWORD_LENGTH } from '../store.ts';

const USAGE = `usage:
  npm run hub -- serve [--port N] [--host H] [--db FILE] [--console DIR] [--demo-cabin-key-file FILE]
                       [--log-file FILE] [--log-format pretty|json]
      env: HUB_JWT_SECRET (32+ characters), HUB_TURN_SECRET, HUB_TURN_URLS, HUB_STUN_URLS (comma-separated),
           HUB_RELAY_ONLY=1 (every call through TURN), HUB_LOG_FILE (as --log-file), LOG_LEVEL (default info),
           HUB_TRUSTED_PROXIES (comma-separated addresses or CIDR blocks of the reverse proxy: login limits count the
           client its X-Forwarded-For names),
           HUB_FHIR_URL (a FHIR server: each ended consultation is sent to it, retried until it is through) with
           HUB_FHIR_TOKEN_FILE (a bearer token) or HUB_FHIR_TOKEN_URL, HUB_FHIR_CLIENT_ID, HUB_FHIR_CLIENT_SECRET
           [, HUB_FHIR_SCOPE] (OAuth2 client credentials),
           HUB_REDIS_URL (redis://…: this node is one of a region's, sharing a postgres:// database; each node with
           its HUB_NODE_ID and the same HUB_JWT_SECRET),
           HUB_NODE_ID (this node's name in its metrics), HUB_METRICS_TOKEN (a bearer token for GET /metrics; without
           it only this machine may read them); GET /healthz and /readyz answer a load balancer
      --log-file: the log as JSON lines in FILE, rotated at 10 MiB (5 files kept); else on stdout, readable on a
           terminal or with --log-format pretty, JSON lines otherwise
      --demo-cabin-key-file: demo mode: (re)creates the demo doctor and the demo cabin with new secrets, prints
           the doctor's login on a line starting "login: "; the cabin's key is the one in FILE, or a new one
           written to FILE (mode 0600)
      --stop-with-stdin yes: stop when stdin closes (for a launcher that starts the hub as its child)
  npm run hub -- migrate --db FILE|URL                          brings the database to this hub's schema (each node
                                                                also does at its start); then says what it ran
  --db: a SQLite file (one machine, the default hub.db) or a postgres://user:password@host:port/db URL (the nodes
        of a region share it); HUB_DATABASE_URL gives it when --db is not given
  npm run hub -- add-doctor --db FILE --username U --name N     (password from HUB_PASSWORD or stdin)
  npm run hub -- add-cabin --db FILE --id ID --name N           (prints the cabin's key, once)
  npm run hub -- export --db FILE (--consultation ID | --last) --format fhir|pdf --out FILE
      fhir: the consultation as a FHIR R4 Bundle (HL7 PHD IG; application/fhir+json), validated before it is
      written; pdf: its report document (PDF/A-2b), which names the Bundle's SHA-256; --out - writes to stdout
  npm run hub -- fhir-status --db FILE [--all]               what the FHIR push has pending or failed (with the
                                                              server's answer), --all: also what went through
  npm run hub -- fhir-retry ID --db FILE                      queues a failed consultation for the FHIR push again
  npm run hub -- disable-doctor USERNAME [--db FILE]            (default hub.db: no more logins or token renewals;
  npm run hub -- disable-cabin ID [--db FILE]                    its sessions end and a running hub closes its
                                                                 connections within one heartbeat, about 15 s)`;

const DEFAULT_PORT = 8440;
const DEFAULT_CONSOLE = resolve(import.meta.dirname, '../../../dist/doctor');

function options(args: string[], names: string[]): Record<string, string | undefined> {
  return parse(args, names, false).values;
}

function parse(args: string[], names: string[], allowPositionals: boolean): { values: Record<string, string | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])), strict: true, allowPositionals });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} (see npm run hub -- help)`);
  }
}

function required(values: Record<string, string | undefined>, name: string): string {
  const v = values[name];
  if (v === undefined || v.trim() === '') throw new UsageError(`--${name} is required (see npm run hub -- help).`);
  return v;
}

/** `migrate`: brings the database to this hub's schema (every node also does at its start; this is for a release's step). */
async function migrateCommand(args: string[]): Promise<void> {
  const db = databaseOf(options(args, ['db']).db);
  let h;
  try {
    h = await openHubDatabase(db);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  try {
    const out = await migrateHubDatabase(h);
    const legacy = out.legacyFrom === undefined ? '' : ` (a file of schema ${out.legacyFrom} brought up first)`;
    console.log(out.ran.length === 0 ? `The hub database ${h.where} is up to date${legacy}.` : `The hub database ${h.where}: ran ${out.ran.join(', ')}${legacy}.`);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  } finally {
    await h.close();
  }
}

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (at least 10 characters): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (Buffer.concat(chunks).includes(10) && process.stdin.isTTY) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** The hub's root logger: JSON lines to a rotated file, or stdout (readable on a terminal or when asked). */
async function rootLogger(file: string | undefined, format: string | undefined): Promise<Logger> {
  if (format !== undefined && format !== 'pretty' && format !== 'json') throw new UsageError(`--log-format ${format} is not pretty or json.`);
  if (file !== undefined && file.trim() !== '') {
    try {
      return await createRootLogger({ name: 'hub', file });
    } catch (err) {
      throw new UsageError(`Cannot write the hub log ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return createLogger({ name: 'hub', pretty: format === 'pretty' || (format === undefined && process.stdout.isTTY === true) });
}

async function serve(args: string[]): Promise<void> {
  const v = options(args, ['port', 'host', 'db', 'console', 'demo-cabin-key-file', 'stop-with-stdin', 'log-file', 'log-format']);
  const port = v.port === undefined ? DEFAULT_PORT : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${v.port ?? ''} is not a port number (0 to 65535).`);
  const env = process.env;
  const secret = env.HUB_JWT_SECRET;
  if (secret !== undefined && secret.length < 32) throw new UsageError('HUB_JWT_SECRET must have at least 32 characters.');
  const turnUrls = list(env.HUB_TURN_URLS);
  if (turnUrls.length > 0 && !env.HUB_TURN_SECRET) throw new UsageError('HUB_TURN_URLS is set but HUB_TURN_SECRET is not: set both (the secret is coturn static-auth-secret).');
  const db = databaseOf(v.db, 'hub.db');
  // Everything the hub writes (its database and the demo's key file) is for its own account only.
  process.umask(0o077);
  const log = await rootLogger(v['log-file'] ?? env.HUB_LOG_FILE, v['log-format']);
  const store = await openStore(db);
  let login: string | undefined;
  try {
    const keyFile = v['demo-cabin-key-file'];
    if (keyFile !== undefined) {
      const demo = await seedDemoFromKeyFile(store, keyFile);
      login = `login: ${demo.doctor.username} / ${demo.doctor.password}`;
    }
  } catch (err) {
    throw new UsageError(`Cannot set up the demo accounts: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await store.close();
  }
  const opts: HubOptions = {
    host: v.host ?? '127.0.0.1',
    port,
    dbPath: db,
    consoleDir: v.console ?? DEFAULT_CONSOLE,
    iceServers: {
      stunUrls: list(env.HUB_STUN_URLS),
      ...(turnUrls.length > 0 ? { turn: { urls: turnUrls, secret: env.HUB_TURN_SECRET! } } : {}),
      ...(env.HUB_RELAY_ONLY === '1' ? { relayOnly: true } : {}),
    },
    log,
  };
  try {
    const fhirPush = fhirPushConfigFromEnv(env);
    if (fhirPush) opts.fhirPush = fhirPush;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const proxies = list(env.HUB_TRUSTED_PROXIES);
  const notIp = proxies.find((p) => {
    try {
      trustList([p]);
      return false;
    } catch {
      return true;
    }
  });
  if (notIp !== undefined) throw new UsageError(`HUB_TRUSTED_PROXIES: "${notIp}" is neither an IP address nor a CIDR block (write the proxy's addresses or blocks, comma-separated).`);
  if (proxies.length > 0) opts.trustedProxies = proxies;
  if (env.HUB_RELAY_ONLY === '1' && turnUrls.length === 0) throw new UsageError('HUB_RELAY_ONLY=1 needs a TURN server: set HUB_TURN_URLS and HUB_TURN_SECRET.');
  if (env.HUB_NODE_ID !== undefined) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(env.HUB_NODE_ID)) throw new UsageError('HUB_NODE_ID: use 1 to 64 letters, digits, ".", "_" or "-".');
    opts.nodeId = env.HUB_NODE_ID;
  }
  if (env.HUB_REDIS_URL !== undefined && env.HUB_REDIS_URL !== '') opts.redisUrl = redisUrlOf(env.HUB_REDIS_URL, db);
  if (env.HUB_METRICS_TOKEN !== undefined) {
    if (env.HUB_METRICS_TOKEN.length < 16) throw new UsageError('HUB_METRICS_TOKEN must have at least 16 characters.');
    opts.metricsToken = env.HUB_METRICS_TOKEN;
  }
  if (secret !== undefined) opts.jwtSecret = new TextEncoder().encode(secret);
  else if (login === undefined) log.warn('HUB_JWT_SECRET is not set: tokens will not survive a restart of the hub');
  let hub;
  try {
    hub = await createHub({ ...opts, warmExports: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  // The stop handlers come first: a launcher may send SIGTERM as soon as it reads the ready line.
  const stop = () => void hub.close().then(() => closeLogger(log)).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A launcher that dies without a word (SIGKILL) closes our stdin: do not outlive it.
  if (v['stop-with-stdin'] === 'yes') {
    process.stdin.on('end', stop).on('close', stop).resume();
  }
  console.log(`hub: ${hub.url}`);
  if (login !== undefined) {
    console.log(`doctor: ${hub.url}/`);
    console.log(login);
  }
}

async function addDoctor(args: string[]): Promise<void> {
  const v = options(args, ['db', 'username', 'name']);
  const db = databaseOf(v.db);
  const username = required(v, 'username');
  const name = required(v, 'name');
  const password = process.env.HUB_PASSWORD || (await readStdin());
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`The password must have at least ${MIN_PASSWORD_LENGTH} characters (give it in HUB_PASSWORD or on stdin).`);
  const store = await openStore(db);
  try {
    await store.addDoctor({ username, name, password });
  } finally {
    await store.close();
  }
  console.log(`doctor ${username} added`);
}

async function addCabin(args: string[]): Promise<void> {
  const v = options(args, ['db', 'id', 'name']);
  const db = databaseOf(v.db);
  const id = required(v, 'id');
  const name = required(v, 'name');
  const store = await openStore(db);
  try {
    const cabin = await store.addCabin({ id, name });
    console.log(`key: ${cabin.key}`);
    console.error(`cabin ${id} added: give it this key now, the hub keeps only its hash.`);
  } finally {
    await store.close();
  }
}

async function disable(role: 'doctor' | 'cabin', args: string[]): Promise<void> {
  const what = role === 'doctor' ? 'USERNAME' : 'ID';
  const { values, positionals } = parse(args, ['db'], true);
  if (positionals.length !== 1 || positionals[0]!.trim() === '') throw new UsageError(`Give one ${what}: npm run hub -- disable-${role} ${what} [--db FILE].`);
  const id = positionals[0]!;
  const db = databaseOf(values.db, 'hub.db');
  // Never create an empty database by mistake: disabling is for an existing hub.
  mustExist(db);
  const store = await openStore(db);
  try {
    const already = await store.isDisabled(role, id);
    if (!(await store.disableAccount(role, id))) throw new UsageError(`There is no ${role} ${id} in ${db}.`);
    console.log(
      already
        ? `${role} ${id} was already disabled; any session left is ended.`
        : `${role} ${id} disabled: it can no longer log in, its sessions are ended, and a running hub closes its connections within about 15 s.`,
    );
  } finally {
    await store.close();
  }
}

async function exportConsultation(args: string[]): Promise<void> {
  const last = args.includes('--last');
  const v = options(args.filter((a) => a !== '--last'), ['db', 'consultation', 'format', 'out']);
  const db = databaseOf(v.db);
  const out = required(v, 'out');
  const format = required(v, 'format');
  if (format !== 'fhir' && format !== 'pdf') throw new UsageError(`--format ${format} is not fhir or pdf.`);
  if ((v.consultation === undefined) === !last) throw new UsageError('Give either --consultation ID or --last.');
  mustExist(db);
  if (out !== '-' && !existsSync(dirname(resolve(out)))) throw new UsageError(`The folder of ${out} does not exist: create it first.`);
  const store = await openStore(db);
  try {
    const id = v.consultation ?? (await store.lastEndedConsultation());
    if (id === null) throw new UsageError(`No consultation has ended in ${db} yet.`);
    const result = format === 'fhir' ? await exportFhir(store, id) : await exportPdf(store, id);
    if (!result.ok && result.error === 'not-found') throw new UsageError(`There is no consultation ${id} in ${db}.`);
    if (!result.ok && result.error === 'invalid') {
      const first = result.issues.slice(0, 5).map((i) => `${i.resourceType} ${i.path}: ${i.message}`);
      throw new Error(`the FHIR Bundle of ${id} is not valid R4, nothing written (${result.issues.length} problems: ${first.join('; ')}).`);
    }
    if (!result.ok) throw new Error(`${result.message}, nothing written.`);
    const bytes = 'json' in result ? Buffer.from(result.json) : Buffer.from(result.pdf);
    if (out === '-') process.stdout.write(bytes);
    else writeFileSync(out, bytes);
    const what = 'json' in result ? `${result.resources} FHIR resources, sha256 ${result.hash}` : `report PDF of the Bundle sha256 ${result.bundleHash}`;
    console.error(`consultation ${id}: ${what}${out === '-' ? '' : `, written to ${out}`}`);
  } finally {
    await store.close();
  }
}

async function fhirStatus(args: string[]): Promise<void> {
  const all = args.includes('--all');
  const db = databaseOf(options(args.filter((a) => a !== '--all'), ['db']).db);
  mustExist(db);
  const store = await openStore(db);
  try {
    const queue = new FhirPushQueue(store);
    const rows = await queue.list(all);
    if (rows.length === 0) {
      console.log(all ? 'Nothing has been queued for the FHIR push.' : 'Nothing pending or failed: every ended consultation queued has gone through.');
      return;
    }
    for (const r of rows) {
      const when = r.state === 'pending' ? `next try ${new Date(r.nextAt).toISOString()}` : `at ${new Date(r.updatedAt).toISOString()}`;
      console.log(`${r.consultationId}  ${r.state}  ${r.attempts} attempt(s)  ${when}${r.lastError ? `  ${r.lastError}` : ''}`);
      if (r.state === 'failed' && r.outcome) console.log(`  server: ${JSON.stringify(r.outcome).slice(0, 2000)}`);
    }
  } finally {
    await store.close();
  }
}

async function fhirRetry(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, ['db'], true);
  if (positionals.length !== 1) throw new UsageError('Give one consultation ID: npm run hub -- fhir-retry ID --db FILE.');
  const db = databaseOf(values.db);
  mustExist(db);
  const store = await openStore(db);
  try {
    const queue = new FhirPushQueue(store);
    const row = await queue.row(positionals[0]!);
    if (!row) throw new UsageError(`Consultation ${positionals[0]} is not in the FHIR push queue (it is queued when it ends, by a hub with HUB_FHIR_URL).`);
    if (!(await queue.requeue(row.consultationId))) console.log(`${row.consultationId} is already pending: the running hub sends it at its next try.`);
    else console.log(`${row.consultationId} queued again: the running hub sends it within its next round (about 15 s).`);
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'add-doctor':
      return addDoctor(rest);
    case 'add-cabin':
      return addCabin(rest);
    case 'export':
      return exportConsultation(rest);
    case 'migrate':
      return migrateCommand(rest);
    case 'fhir-status':
      return fhirStatus(rest);
    case 'fhir-retry':
      return fhirRetry(rest);
    case 'disable-doctor':
      return disable('doctor', rest);
    case 'disable-cabin':
      return disable('cabin', rest);
    case 'help':
    case '--help':
    case undefined:
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`Unknown command "${command}": use serve, migrate, add-doctor, add-cabin, export, fhir-status, fhir-retry, disable-doctor or disable-cabin (see npm run hub -- help).`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof HubStoreError) {
    console.error(`hub: ${err.message}`);
    process.exit(2);
  }
  console.error(`hub: unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
