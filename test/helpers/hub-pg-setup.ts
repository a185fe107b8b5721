import type { TestProject } from 'vitest/node';
import { PrivatePostgres } from './postgres.ts';

/**
 * The `hub-pg` project's global setup (vitest.config.ts): one throwaway PostgreSQL cluster for the whole run of the
 * hub's suite on that engine (issue 14). Each test's hub gets a database of its own on it (test/helpers/hub-db.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = await PrivatePostgres.start();
  project.provide('hubPostgres', pg.url);
  return () => pg.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The admin URL of the run's PostgreSQL cluster, in the `hub-pg` project; '' in the others (SQLite). */
    hubPostgres: string;
  }
}
