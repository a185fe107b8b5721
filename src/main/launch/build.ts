import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../server/log.ts';

const ROOT = join(import.meta.dirname, '../../..');

/** Where the built web apps are. */
export const BUILT = { renderer: join(ROOT, 'dist/renderer'), doctor: join(ROOT, 'dist/doctor') } as const;

/** Builds the kiosk screens or the doctor's console with Vite, unless they are built already (first start). */
export async function buildIfMissing(what: keyof typeof BUILT, log: Logger): Promise<void> {
  if (existsSync(join(BUILT[what], 'index.html'))) return;
  log.info(what === 'renderer' ? 'Building the kiosk screens (first start)…' : "Building the doctor's console (first start)…");
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  await runNode([vite, 'build', '--config', join(ROOT, `src/${what}/vite.config.ts`), '--logLevel', 'error'], `the ${what} build`);
  // The kiosk's spoken guide, as npm run build makes it (it warns and makes none without espeak-ng).
  // Not fatal: without it the kiosk shows its texts with a notice.
  if (what === 'renderer') {
    await runNode([join(ROOT, 'bin/run-ts.mjs'), join(ROOT, 'scripts/voice-pack.ts')], 'the voice pack').catch((err: unknown) =>
      log.warn(`${err instanceof Error ? err.message : String(err)}: the kiosk shows its texts without the spoken guide.`),
    );
  }
}

function runNode(args: string[], what: string): Promise<void> {
  return new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${what} failed (exit ${code})`))));
  });
}
