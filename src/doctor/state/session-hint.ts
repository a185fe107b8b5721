export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const KEY = 'cabin-doctor.signed-in';

/**
 * "This browser logged in and did not log out since": no secret (the token stays in memory, the session is an
 * HttpOnly cookie), only whether asking the hub to restore a session is worth a request at start.
 */
export class SessionHint {
  constructor(private readonly storage: StorageLike | undefined) {}

  get(): boolean {
    try {
      return this.storage?.getItem(KEY) === '1';
    } catch {
      return false;
    }
  }

  set(): void {
    try {
      this.storage?.setItem(KEY, '1');
    } catch {
      // Private mode or storage full: a reload shows the form, as before.
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(KEY);
    } catch {
      // Nothing to clear.
    }
  }
}
