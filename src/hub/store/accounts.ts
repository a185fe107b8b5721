import type { Role } from '../../shared/hub-protocol.ts';
import { dummyPasswordHash, hashKey, hashPassword, newCabinKey, safeEqual, verifyPassword } from '../secrets.ts';
import type { HubDb } from './db.ts';

/** Doctor and cabin accounts: who may log in, with what secret, and whether they were disabled. */

export interface Account {
  id: string;
  name: string;
}

export class HubStoreError extends Error {
  override readonly name = 'HubStoreError';
  constructor(
    readonly code: 'exists' | 'invalid-input' | 'unknown',
    message: string,
  ) {
    super(message);
  }
}

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
export const MIN_PASSWORD_LENGTH = 10;

const tableOf = (role: Role) => (role === 'doctor' ? 'doctors' : 'cabins');

function checkAccount(id: string, name: string, what: string): void {
  if (!ACCOUNT_ID.test(id)) throw new HubStoreError('invalid-input', `The ${what} "${id.slice(0, 100)}" is not valid: use 1 to 100 letters, digits, '.', '_', '@' or '-'.`);
  if (name.trim().length === 0 || name.length > 100) throw new HubStoreError('invalid-input', `The name of ${what} ${id} must have 1 to 100 characters.`);
}

/** Creates a doctor (id = username); `replace` sets a new name and password on an existing one. */
export async function addDoctor(s: HubDb, d: { username: string; name: string; password: string }, opts: { replace?: boolean } = {}): Promise<Account> {
  checkAccount(d.username, d.name, 'username');
  if (d.password.length < MIN_PASSWORD_LENGTH) throw new HubStoreError('invalid-input', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (d.password.length > 200) throw new HubStoreError('invalid-input', 'The password must have at most 200 characters.');
  const hash = await hashPassword(d.password);
  const exists = s.db.prepare('SELECT 1 FROM doctors WHERE id = ?').get(d.username) !== undefined;
  if (exists && !opts.replace) throw new HubStoreError('exists', `The doctor ${d.username} exists already.`);
  s.db
    .prepare('INSERT INTO doctors (id, name, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash')
    .run(d.username, d.name, hash, s.time());
  return { id: d.username, name: d.name };
}

/**
 * Creates a cabin with a new random key (or `opts.key`, at least 32 characters, e.g. one the demo launcher made),
 * returned once: only its hash is kept. `replace` gives an existing cabin a new key.
 */
export function addCabin(s: HubDb, c: { id: string; name: string }, opts: { replace?: boolean; key?: string } = {}): Account & { key: string } {
  checkAccount(c.id, c.name, 'cabin id');
  const exists = s.db.prepare('SELECT 1 FROM cabins WHERE id = ?').get(c.id) !== undefined;
  if (exists && !opts.replace) throw new HubStoreError('exists', `The cabin ${c.id} exists already.`);
  if (opts.key !== undefined && !/^[A-Za-z0-9_-]{32,200}$/.test(opts.key)) throw new HubStoreError('invalid-input', 'A cabin key needs at least 32 letters, digits, - or _.');
  const key = opts.key ?? newCabinKey();
  s.db
    .prepare('INSERT INTO cabins (id, name, key_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, key_hash = excluded.key_hash')
    .run(c.id, c.name, hashKey(key), s.time());
  return { id: c.id, name: c.name, key };
}

/** The doctor if the password is right; as slow for an unknown username as for a wrong password. */
export async function verifyDoctor(s: HubDb, username: string, password: string): Promise<Account | null> {
  const row = s.db.prepare('SELECT id, name, password_hash FROM doctors WHERE id = ?').get(username) as { id: string; name: string; password_hash: string } | undefined;
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
  // Checked after the hash (a disabled account answers as slowly as any other) and again after the await.
  return ok && row && account(s, 'doctor', row.id) ? { id: row.id, name: row.name } : null;
}

/** The cabin if the key is right and the cabin is not disabled. */
export function verifyCabin(s: HubDb, id: string, key: string): Account | null {
  const row = s.db.prepare('SELECT id, name, key_hash, disabled_at FROM cabins WHERE id = ?').get(id) as
    | { id: string; name: string; key_hash: string; disabled_at: number | null }
    | undefined;
  const ok = safeEqual(hashKey(key), row?.key_hash ?? hashKey(`no cabin ${newCabinKey()}`));
  return ok && row && row.disabled_at === null ? { id: row.id, name: row.name } : null;
}

/** The account, unless unknown or disabled. */
export function account(s: HubDb, role: Role, id: string): Account | null {
  return (s.db.prepare(`SELECT id, name FROM ${tableOf(role)} WHERE id = ? AND disabled_at IS NULL`).get(id) as Account | undefined) ?? null;
}

/**
 * Disables an account: it can no longer log in or refresh, and all its sessions end (its open sockets close at the
 * relay's next session check). False if there is no such account; true also when it was disabled already.
 */
export function disableAccount(s: HubDb, role: Role, id: string): boolean {
  return s.db.transaction(() => {
    const found = s.db.prepare(`UPDATE ${tableOf(role)} SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?`).run(s.time(), id).changes === 1;
    if (found) s.db.prepare('UPDATE sessions SET ended_at = ? WHERE role = ? AND subject = ? AND ended_at IS NULL').run(s.time(), role, id);
    return found;
  }).immediate();
}

/** True if the account exists and is disabled. */
export function isDisabled(s: HubDb, role: Role, id: string): boolean {
  const row = s.db.prepare(`SELECT disabled_at FROM ${tableOf(role)} WHERE id = ?`).get(id) as { disabled_at: number | null } | undefined;
  return row !== undefined && row.disabled_at !== null;
}
