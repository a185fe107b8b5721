import type Database from 'better-sqlite3';
import type { Logger } from '../../server/log.ts';

/** What each part of the hub store works on: the open, migrated connection and the store's clock. */
export interface HubDb {
  readonly db: Database.Database;
  /** ms, whole. */
  time(): number;
  /** For what the store must not drop silently (a stored row it cannot read). */
  readonly log: Logger;
}
