import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateHubDatabase, openHubDatabase } from '../../src/hub/db/open.ts';
import { PrivatePostgres } from './postgres.ts';

/** The run's database migrated once, which each test's database copies (test/helpers/hub-db.ts). */
export const HUB_TEMPLATE = 'hub_template';

/**
 * The `hub-pg` project's global setup (vitest.config.ts): one throwaway PostgreSQL cluster for the whole run of the
 * hub's suite on that engine (issue 14). Each test's hub gets a database of its own on it (test/helpers/hub-db.ts).
 *
 * The hub's migrations are run once here, in HUB_TEMPLATE, and each test's database is a copy of it (CREATE DATABASE
 * … TEMPLATE): a copy costs what an empty database does (~40 ms), the migrations another 50-100 ms per hub, a few
 * hundred times a run. The hub still runs its migrate at start, which finds everything done (as a node joining a
 * migrated region does). The template is closed to connections: PostgreSQL copies only a database nobody is in.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await PrivatePostgres.start();
  try {
    const h = await openHubDatabase(await server.createDatabase(HUB_TEMPLATE), { poolSize: 1 });
    try {
      await migrateHubDatabase(h);
    } finally {
      await h.close();
    }
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${HUB_TEMPLATE} IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
  project.provide('hubPostgres', server.url);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The admin URL of the run's PostgreSQL cluster, in the `hub-pg` project; '' in the others (SQLite). */
    hubPostgres: string;
  }
}
