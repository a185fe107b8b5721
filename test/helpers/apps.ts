import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { buildApps } from './chain.ts';
import './browser-setup.ts';

/**
 * The kiosk renderer (with its voice pack) and the doctor console as `npm run build` makes them, for the e2e files
 * that serve them: built once per run of the `browser` project (test/helpers/browser-setup.ts), not once per file.
 *
 * When dist/ holds both apps built after every file they are made of (as in CI, where `npm test` runs the build just
 * before vitest), they are copied from there: the same production build of the same sources, with no second build.
 * Otherwise (a source changed since, or no dist/), they are built from the sources, once for the run. The copy, in
 * the run's folder, is what the tests serve: a `npm run build` started meanwhile cannot empty it under them.
 *
 * The folders are shared by every file of the run: serve them, never write into them.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = { rendererDir: join(ROOT, 'dist/renderer'), doctorDir: join(ROOT, 'dist/doctor') };
/** What the two apps are built from: their sources, what they import, the voice pack's maker and the dependencies. */
const INPUTS = ['src/renderer', 'src/doctor', 'src/shared', 'scripts/voice-pack.ts', 'package-lock.json'].map((p) => join(ROOT, p));

export interface BuiltApps {
  rendererDir: string;
  doctorDir: string;
}

/** The newest modification time (ms) of a file under `path` (0 when it does not exist). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let n = s.mtimeMs;
  for (const e of readdirSync(path)) n = Math.max(n, newest(join(path, e)));
  return n;
}

/** Whether dist/ holds both apps (the kiosk's voice pack too) made after their last input changed. */
export function distIsFresh(): boolean {
  const made = [join(DIST.rendererDir, 'index.html'), join(DIST.rendererDir, 'voice'), join(DIST.doctorDir, 'index.html')];
  if (!made.every((f) => existsSync(f))) return false;
  const builtAt = Math.min(...made.map((f) => statSync(f).mtimeMs));
  return INPUTS.every((p) => newest(p) < builtAt);
}

/** The run's built apps (see above); builds or copies them on the first call of the run. */
export async function testApps(): Promise<BuiltApps> {
  const dir = inject('browserApps');
  if (!dir) throw new Error('testApps() is for the browser project (vitest.config.ts gives it test/helpers/browser-setup.ts).');
  const apps = { rendererDir: join(dir, 'apps/renderer'), doctorDir: join(dir, 'apps/doctor') };
  if (existsSync(apps.doctorDir)) return apps;
  // Made aside, then renamed into place whole: a file that finds `apps/` finds both apps complete.
  const stage = join(dir, `stage-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  if (distIsFresh()) {
    cpSync(DIST.rendererDir, join(stage, 'renderer'), { recursive: true });
    cpSync(DIST.doctorDir, join(stage, 'doctor'), { recursive: true });
  } else {
    await buildApps(stage);
  }
  try {
    renameSync(stage, join(dir, 'apps'));
  } catch (err) {
    // Another file of the run made them first (only if files ran side by side): keep theirs.
    rmSync(stage, { recursive: true, force: true });
    if (!existsSync(apps.doctorDir)) throw err;
  }
  return apps;
}

/**
 * A copy of the run's kiosk renderer in `dir`, its voice pack left out unless `voice` (the Vite build alone, as a file
 * that makes or leaves out the pack itself built it): the file may write in it.
 */
export async function testRendererCopy(dir: string, opts: { voice: boolean }): Promise<string> {
  const { rendererDir } = await testApps();
  cpSync(rendererDir, dir, { recursive: true, filter: (src) => opts.voice || src !== join(rendererDir, 'voice') });
  return dir;
}
