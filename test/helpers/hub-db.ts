import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { HUB_TEMPLATE } from './hub-pg-setup.ts';

/** Whether this run tests the hub on PostgreSQL (the `hub-pg` project of vitest.config.ts) rather than SQLite. */
export function onPostgres(): boolean {
  return (inject('hubPostgres') ?? '') !== '';
}

/**
 * Where a test's hub keeps its data, on the engine this run tests (issue 14: the hub's suite runs on both): a SQLite
 * file in `dir` (':memory:' when `dir` is null), or a new database of the run's PostgreSQL cluster, one per call.
 *
 * The PostgreSQL one is a copy of the run's template, already migrated (test/helpers/hub-pg-setup.ts): the hub's
 * migrate at open finds nothing to do. `{ empty: true }` gives an empty database instead, never migrated, for a test
 * of the migrations themselves (a SQLite file is always new and empty).
 */
export async function testDatabase(dir: string | null, file = 'hub.db', opts: { empty?: boolean } = {}): Promise<string> {
  const admin = inject('hubPostgres') ?? '';
  if (admin === '') return dir === null ? ':memory:' : join(dir, file);
  const name = `hub_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE ${opts.empty === true ? 'template1' : HUB_TEMPLATE}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin.replace(/^postgresql:/, 'http:'));
  url.pathname = `/${name}`;
  return url.toString().replace(/^http:/, 'postgresql:');
}
