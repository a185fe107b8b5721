import type { Db } from './open.ts';
import { AuditEntrySchema, parse, type Actor, type AuditAction, type AuditDetail, type AuditEntry } from './schema.ts';

export interface AuditRecord {
  id: number;
  at: number;
  actor: Actor;
  action: AuditAction;
  detail: AuditDetail | null;
  sessionId: string | null;
}

export interface AuditFilter {
  sessionId?: string;
  action?: AuditAction;
  actor?: Actor;
  /** Inclusive bounds on `at`, in ms. */
  since?: number;
  until?: number;
  limit?: number;
}

/** Appends to the audit log (who did what, when); the detail is checked to hold no patient data. */
export function audit(db: Db, entry: AuditEntry): number {
  const e = parse(AuditEntrySchema, entry, 'an audit entry');
  const detail = e.detail && Object.keys(e.detail).length > 0 ? JSON.stringify(e.detail) : null;
  const r = db
    .stmt(`INSERT INTO audit (at, actor, action, detail, session_id) VALUES (?, ?, ?, ?, ?)`)
    .run(db.now(), e.actor, e.action, detail, e.sessionId ?? null);
  return Number(r.lastInsertRowid);
}

/** The id of the latest entry of `action` (ids grow with time), or 0 when there is none. */
export function lastAuditId(db: Db, action: AuditAction): number {
  const row = db.stmt(`SELECT max(id) AS id FROM audit WHERE action = ?`).get(action) as { id: number | null };
  return row.id ?? 0;
}

/** The log, oldest first, for tests and the admin view. */
export function auditTrail(db: Db, filter: AuditFilter = {}): AuditRecord[] {
  const rows = db
    .stmt(
      `SELECT id, at, actor, action, detail, session_id AS sessionId FROM audit
       WHERE (@sessionId IS NULL OR session_id = @sessionId)
         AND (@action IS NULL OR action = @action)
         AND (@actor IS NULL OR actor = @actor)
         AND (@since IS NULL OR at >= @since)
         AND (@until IS NULL OR at <= @until)
       ORDER BY id LIMIT @limit`,
    )
    .all({
      sessionId: filter.sessionId ?? null,
      action: filter.action ?? null,
      actor: filter.actor ?? null,
      since: filter.since ?? null,
      until: filter.until ?? null,
      limit: filter.limit ?? -1,
    }) as (Omit<AuditRecord, 'detail'> & { detail: string | null })[];
  return rows.map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as AuditDetail) }));
}
