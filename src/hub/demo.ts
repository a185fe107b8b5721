import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { HubStore } from './store.ts';

export interface DemoAccounts {
  doctor: { username: 'dr.demo'; password: string; name: string };
  cabin: { id: 'demo-cabin'; name: string; key: string };
}

/** The console speaks French first (its queue and reports show this name). */
export const DEMO_CABIN_NAME = 'Cabine de démonstration';

/**
 * The demo doctor and demo cabin, with fresh secrets on every call (older demo secrets stop working). The cabin's key
 * may be given (the demo launcher makes it, so the kiosk can start before the hub).
 */
export async function seedDemo(store: HubStore, opts: { cabinKey?: string } = {}): Promise<DemoAccounts> {
  const password = randomBytes(12).toString('base64url');
  const name = 'Dr Demo';
  await store.addDoctor({ username: 'dr.demo', name, password }, { replace: true });
  const cabin = await store.addCabin({ id: 'demo-cabin', name: DEMO_CABIN_NAME }, { replace: true, ...(opts.cabinKey ? { key: opts.cabinKey } : {}) });
  return { doctor: { username: 'dr.demo', password, name }, cabin: { id: 'demo-cabin', name: cabin.name, key: cabin.key } };
}

/**
 * Seeds the demo accounts with the cabin key in `keyFile` (the launcher's), or with a new key then written there
 * (mode 0600).
 */
export async function seedDemoFromKeyFile(store: HubStore, keyFile: string): Promise<DemoAccounts> {
  const given = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  const demo = await seedDemo(store, given ? { cabinKey: given } : {});
  if (!given) writeFileSync(keyFile, `${demo.cabin.key}\n`, { mode: 0o600 });
  return demo;
}
