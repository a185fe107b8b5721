import { buildApps } from '../test/helpers/chain.ts';

/**
 * Builds the kiosk renderer and the doctor console into the folder given, in a process of its own: the benchmarks
 * measure a process that runs the hub and cabin main, which must not carry Vite's heap (≈ 60 MB more to collect,
 * and major GC pauses that are the benchmark's, not the product's).
 */
const dir = process.argv[2];
if (!dir) {
  console.error('usage: build-apps.ts DIR');
  process.exit(2);
}
await buildApps(dir);
