import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The `browser` project's global setup (vitest.config.ts): a folder for the run where the kiosk renderer and the
 * doctor console are built once, for every file that serves them (test/helpers/apps.ts), instead of once per file
 * (a Vite build of each app costs seconds of a 2-core machine; a dozen files serve them). Nothing is built here: the
 * first file that asks builds them, so a run of one file that needs no app builds nothing. Removed when the run ends.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'cabin-test-apps-'));
  project.provide('browserApps', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for the built apps, in the `browser` project (test/helpers/apps.ts); absent in the others. */
    browserApps: string;
  }
}
