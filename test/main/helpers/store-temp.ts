import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type OpenOptions, type Store } from '../../../src/main/store/index.ts';

/** Temp folders and stores for one test file: everything opened is closed, everything made is removed. */
export function storeTemp() {
  const dirs: string[] = [];
  const stores: Store[] = [];
  return {
    dir(): string {
      const d = mkdtempSync(join(tmpdir(), 'cabin-store-'));
      dirs.push(d);
      return d;
    },
    file(): string {
      return join(this.dir(), 'cabin.db');
    },
    open(file: string, opts?: OpenOptions): Store {
      const s = openStore(file, opts);
      stores.push(s);
      return s;
    },
    cleanup(): void {
      for (const s of stores.splice(0)) s.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}
