import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { PinLockState, PinLockStore } from './pin.ts';

/**
 * The PIN pad's lock in a small file beside the store (mode 0600), written whole then renamed, so a crash leaves the
 * old state or the new, never half a file. A missing or unreadable file is no lock.
 */
export function pinLockFile(file: string): PinLockStore {
  return {
    load() {
      try {
        const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<PinLockState>;
        const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
        if (!ok(v.failures) || !ok(v.lockedUntil)) return undefined;
        return { failures: Math.floor(v.failures), lockedUntil: v.lockedUntil };
      } catch {
        return undefined;
      }
    },
    save(state) {
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}
