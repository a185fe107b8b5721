import type Database from 'better-sqlite3';

/** What each part of the hub store works on: the open, migrated connection and the store's clock. */
export interface HubDb {
  readonly db: Database.Database;
  /** ms, whole. */
  time(): number;
}
