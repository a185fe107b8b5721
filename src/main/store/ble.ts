import type { Db } from './open.ts';

/** A Bluetooth LE device the assistant assigned to this cabin. */
export interface BleAssignment {
  address: string;
  driver: string;
  assignedAt: number;
}

/** The last record delivered from a device (sequence number, or device time for devices without one). */
export interface BleRecordMark {
  key: string;
  seq?: number;
  t?: number;
  /** The latest measurement ids delivered (at most RECENT_IDS). */
  recent?: string[];
}

/** How many measurement ids are kept per device (as the device host's mark). */
export const RECENT_IDS = 256;

function recentOf(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string' && x.length <= 100).slice(-RECENT_IDS) : [];
  } catch {
    return [];
  }
}

export function bleAssignments(db: Db): BleAssignment[] {
  return db
    .stmt('SELECT address, driver, assigned_at AS assignedAt FROM ble_devices ORDER BY assigned_at')
    .all()
    .flatMap((r) => {
      const row = r as Record<string, unknown>;
      return typeof row.address === 'string' && typeof row.driver === 'string' && typeof row.assignedAt === 'number'
        ? [{ address: row.address, driver: row.driver, assignedAt: row.assignedAt }]
        : [];
    });
}

export function assignBle(db: Db, address: string, driver: string): void {
  db.stmt(
    `INSERT INTO ble_devices (address, driver, assigned_at) VALUES (?, ?, ?)
     ON CONFLICT (address) DO UPDATE SET driver = excluded.driver, assigned_at = excluded.assigned_at`,
  ).run(address, driver, db.now());
}

export function unassignBle(db: Db, address: string): boolean {
  return db.stmt('DELETE FROM ble_devices WHERE address = ?').run(address).changes > 0;
}

export function bleMarks(db: Db): BleRecordMark[] {
  return db
    .stmt('SELECT key, seq, t, recent FROM ble_records')
    .all()
    .flatMap((r) => {
      const row = r as Record<string, unknown>;
      if (typeof row.key !== 'string') return [];
      const recent = recentOf(row.recent);
      return [{ key: row.key, ...(typeof row.seq === 'number' ? { seq: row.seq } : {}), ...(typeof row.t === 'number' ? { t: row.t } : {}), ...(recent.length > 0 ? { recent } : {}) }];
    });
}

/** Moves a device's mark forward (never back: a late or repeated record does not undo a newer one). */
export function advanceBleMark(db: Db, mark: BleRecordMark & { id?: string }): void {
  db.tx(() => {
    advance(db, mark);
    if (mark.id === undefined) return;
    const row = db.stmt('SELECT recent FROM ble_records WHERE key = ?').get(mark.key) as { recent?: unknown } | undefined;
    const recent = recentOf(row?.recent);
    if (recent.includes(mark.id)) return;
    db.stmt('UPDATE ble_records SET recent = ? WHERE key = ?').run(JSON.stringify([...recent, mark.id].slice(-RECENT_IDS)), mark.key);
  });
}

function advance(db: Db, mark: BleRecordMark): void {
  db.stmt(
    `INSERT INTO ble_records (key, seq, t, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET
       seq = CASE WHEN excluded.seq IS NULL THEN seq WHEN seq IS NULL OR excluded.seq > seq THEN excluded.seq ELSE seq END,
       t = CASE WHEN excluded.t IS NULL THEN t WHEN t IS NULL OR excluded.t > t THEN excluded.t ELSE t END,
       updated_at = excluded.updated_at`,
  ).run(mark.key, mark.seq ?? null, mark.t ?? null, db.now());
}
