import { parseArgs } from 'node:util';
import { createLogger } from '../server/log.ts';
import type { DemoHubMessage } from '../shared/demo-hub.ts';
import { seedDemoFromKeyFile } from './demo.ts';
import { createHub } from './server.ts';
import { HubStore } from './store.ts';

/**
 * The demo's embedded hub, forked by `npm start` with an IPC channel: it seeds the demo doctor and the demo cabin
 * (with the launcher's cabin key), serves, and says `ready` with its port and the doctor's login over the channel. It
 * stops with its launcher: on SIGTERM, or when the channel closes (a launcher killed without a word). `--again`: the
 * launcher restarts it after a stop it did not ask for; the accounts seeded at the first start stay as they are (the
 * doctor's printed login and sessions remain valid), and `ready` carries no login.
 */
const { values } = parseArgs({
  options: { port: { type: 'string' }, db: { type: 'string' }, console: { type: 'string' }, 'cabin-key-file': { type: 'string' }, again: { type: 'boolean' } },
  strict: true,
});

const tell = (m: DemoHubMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });

async function main(): Promise<void> {
  const { port, db, console: consoleDir, 'cabin-key-file': keyFile } = values;
  if (!process.send) throw new Error('the demo hub runs as a child of npm start, with an IPC channel');
  if (port === undefined || !db || !consoleDir || !keyFile) throw new Error('--port, --db, --console and --cabin-key-file are required');
  // A launcher killed while this hub starts (seeding hashes a password: seconds on a busy machine) closes the channel
  // before the listener below exists: remembered here, so the hub does not run on alone, holding its port.
  let orphaned = false;
  const early = (): void => void (orphaned = true);
  process.once('disconnect', early);
  // Everything the hub writes (its database) is for its own account only.
  process.umask(0o077);
  let accounts;
  if (!values.again) {
    const store = await HubStore.open(db);
    try {
      accounts = await seedDemoFromKeyFile(store, keyFile);
    } finally {
      await store.close();
    }
  }
  // This process's root logger: JSON lines on stdout; the launcher writes the warnings and errors to cabin main's log.
  const log = createLogger({ name: 'hub' });
  const hub = await createHub({ host: '127.0.0.1', port: Number(port), dbPath: db, consoleDir, log, warmExports: true });
  const stop = (): void => void hub.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.off('disconnect', early);
  if (orphaned || !process.connected) return stop();
  process.once('disconnect', stop);
  const login = accounts ? { username: accounts.doctor.username, password: accounts.doctor.password } : undefined;
  await tell({ type: 'ready', port: Number(new URL(hub.url).port), doctorUrl: `${hub.url}/`, ...(login ? { login } : {}) });
}

main().catch(async (err: unknown) => {
  await tell({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
