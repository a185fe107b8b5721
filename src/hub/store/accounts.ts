import type { Role } from '../../shared/hub-protocol.ts';
import { dummyPasswordHash, hashKey, hashPassword, newCabinKey, safeEqual, verifyPassword } from '../secrets.ts';
import { inTx, type HubDb } from './db.ts';

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

const tableOf = (role: Role): 'doctors' | 'cabins' => (role === 'doctor' ? 'doctors' : 'cabins');

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
  const insert = s.db.insertInto('doctors').values({ id: d.username, name: d.name, password_hash: hash, created_at: s.time() });
  // Without `replace`, an existing doctor is left as it is and told: the insert decides (two at once, one wins).
  const r = await (opts.replace ? insert.onConflict((oc) => oc.column('id').doUpdateSet({ name: d.name, password_hash: hash })) : insert.onConflict((oc) => oc.column('id').doNothing())).executeTakeFirst();
  if (!opts.replace && Number(r.numInsertedOrUpdatedRows ?? 0) === 0) throw new HubStoreError('exists', `The doctor ${d.username} exists already.`);
  return { id: d.username, name: d.name };
}

/**
 * Creates a cabin with a new random key (or `opts.key`, at least 32 characters, e.g. one the demo launcher made),
 * returned once: only its hash is kept. `replace` gives an existing cabin a new key.
 */
export async function addCabin(s: HubDb, c: { id: string; name: string }, opts: { replace?: boolean; key?: string } = {}): Promise<Account & { key: string }> {
  checkAccount(c.id, c.name, 'cabin id');
  if (opts.key !== undefined && !/^[A-Za-z0-9_-]{32,200}$/.test(opts.key)) throw new HubStoreError('invalid-input', 'A cabin key needs at least 32 letters, digits, - or _.');
  const key = opts.key ?? newCabinKey();
  const keyHash = hashKey(key);
  const insert = s.db.insertInto('cabins').values({ id: c.id, name: c.name, key_hash: keyHash, created_at: s.time() });
  const r = await (opts.replace ? insert.onConflict((oc) => oc.column('id').doUpdateSet({ name: c.name, key_hash: keyHash })) : insert.onConflict((oc) => oc.column('id').doNothing())).executeTakeFirst();
  if (!opts.replace && Number(r.numInsertedOrUpdatedRows ?? 0) === 0) throw new HubStoreError('exists', `The cabin ${c.id} exists already.`);
  return { id: c.id, name: c.name, key };
}

/** The doctor if the password is right; as slow for an unknown username as for a wrong password. */
export async function verifyDoctor(s: HubDb, username: string, password: string): Promise<Account | null> {
  const row = await s.db.selectFrom('doctors').select(['id', 'name', 'password_hash']).where('id', '=', username).executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
  // Checked after the hash (a disabled account answers as slowly as any other) and again after the await.
  return ok && row && (await account(s, 'doctor', row.id)) ? { id: row.id, name: row.name } : null;
}

/** The cabin if the key is right and the cabin is not disabled. */
export async function verifyCabin(s: HubDb, id: string, key: string): Promise<Account | null> {
  const row = await s.db.selectFrom('cabins').select(['id', 'name', 'key_hash', 'disabled_at']).where('id', '=', id).executeTakeFirst();
  const ok = safeEqual(hashKey(key), row?.key_hash ?? hashKey(`no cabin ${newCabinKey()}`));
  return ok && row && row.disabled_at === null ? { id: row.id, name: row.name } : null;
}

/** The account, unless unknown or disabled. */
export async function account(s: HubDb, role: Role, id: string): Promise<Account | null> {
  return (await s.db.selectFrom(tableOf(role)).select(['id', 'name']).where('id', '=', id).where('disabled_at', 'is', null).executeTakeFirst()) ?? null;
}

/**
 * Disables an account: it can no longer log in or refresh, and all its sessions end (its open sockets close at the
 * relay's next session check). False if there is no such account; true also when it was disabled already.
 */
export function disableAccount(s: HubDb, role: Role, id: string): Promise<boolean> {
  return inTx(s, async (t) => {
    const now = t.time();
    const r = await t.db
      .updateTable(tableOf(role))
      .set((eb) => ({ disabled_at: eb.fn.coalesce('disabled_at', eb.val(now)) }))
      .where('id', '=', id)
      .executeTakeFirst();
    const found = Number(r.numUpdatedRows) === 1;
    if (found) await t.db.updateTable('sessions').set({ ended_at: now }).where('role', '=', role).where('subject', '=', id).where('ended_at', 'is', null).execute();
    return found;
  });
}

/** True if the account exists and is disabled. */
export async function isDisabled(s: HubDb, role: Role, id: string): Promise<boolean> {
  const row = await s.db.selectFrom(tableOf(role)).select(['disabled_at']).where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.disabled_at !== null;
}
