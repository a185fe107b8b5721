import { audit } from './audit.ts';
import type { Db } from './open.ts';

export interface PurgeCounts {
  sessions: number;
  observations: number;
  waveformChunks: number;
  media: number;
  outbox: number;
  /** Outbox entries deleted undelivered (each visit's are said in the audit log). */
  dropped: number;
}

export interface PurgeLimits {
  /** Delivered data goes this long after its visit ended. */
  retentionMs: number;
  /** Undelivered data waits for delivery this long after its visit ended, then goes too (default: retentionMs). */
  undeliveredMs?: number;
  /**
   * When the cabin delivers to a hub: the visits (session id → why) for which a delivery attempt of this start failed
   * or was refused. The undelivered data of a visit a doctor took goes only once its delivery was tried and failed:
   * a cabin switched off past the wait must try before it drops anything. Absent: the cabin has no hub, nothing can be
   * delivered, the wait alone counts.
   */
  deliveryFailed?: ReadonlyMap<string, string>;
}

// Ended before the cutoff with everything delivered, or before the undelivered cutoff whatever is left, if that may
// go: no hub, no consultation to deliver to, or a delivery attempt of this start failed (@failed, a JSON array).
const PURGEABLE = `SELECT s.id FROM sessions s
  WHERE s.ended_at IS NOT NULL AND ((s.ended_at <= @dropCutoff
      AND (@noHub = 1 OR s.consultation_id IS NULL OR s.id IN (SELECT value FROM json_each(@failed))))
    OR (s.ended_at <= @cutoff AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.session_id = s.id AND o.delivered_at IS NULL)))`;

const count = (table: string) => `SELECT COUNT(*) AS n FROM ${table} WHERE session_id IN (${PURGEABLE})`;

const DAY_MS = 86_400_000;
const days = (ms: number) => `${Math.round((ms / DAY_MS) * 10) / 10} day${ms === DAY_MS ? '' : 's'}`;

/**
 * Deletes the visits that ended more than `retentionMs` before `nowMs` and whose every outbox entry was delivered,
 * and those that ended more than `undeliveredMs` before whatever is left undelivered (with a hub: only once a delivery
 * attempt of this start failed for the visit, see `deliveryFailed`), with their observations,
 * waveforms, media and outbox entries (ON DELETE CASCADE). A visit dropped with undelivered entries gets an audit
 * entry saying how many, of what, and why they never left. The audit log is never touched otherwise. One transaction.
 */
export function purge(db: Db, nowMs: number, limits: PurgeLimits | number): PurgeCounts {
  const { retentionMs, undeliveredMs = retentionMs, deliveryFailed } = typeof limits === 'number' ? { retentionMs: limits } : limits;
  const keepUndelivered = Math.max(0, undeliveredMs);
  const p = {
    cutoff: nowMs - Math.max(0, retentionMs),
    dropCutoff: nowMs - keepUndelivered,
    noHub: deliveryFailed ? 0 : 1,
    failed: JSON.stringify([...(deliveryFailed?.keys() ?? [])]),
  };
  const n = (sql: string) => (db.stmt(sql).get(p) as { n: number }).n;
  const counts = db.tx(() => {
    const c: PurgeCounts = {
      sessions: 0,
      observations: n(count('observations')),
      waveformChunks: n(count('waveform_chunks')),
      media: n(count('media')),
      outbox: n(count('outbox')),
      dropped: 0,
    };
    const lost = db
      .stmt(
        `SELECT o.session_id AS sessionId, s.consultation_id AS consultationId, o.kind, COUNT(*) AS n
         FROM outbox o JOIN sessions s ON s.id = o.session_id
         WHERE o.delivered_at IS NULL AND o.session_id IN (${PURGEABLE}) GROUP BY o.session_id, o.kind ORDER BY o.session_id, o.kind`,
      )
      .all(p) as { sessionId: string; consultationId: string | null; kind: string; n: number }[];
    for (const sessionId of new Set(lost.map((l) => l.sessionId))) {
      const of = lost.filter((l) => l.sessionId === sessionId);
      const total = of.reduce((t, l) => t + l.n, 0);
      const consultationId = of[0]!.consultationId;
      const why =
        consultationId === null
          ? 'the consultation of this visit is unknown (no doctor took it, or it ended before the cabin recorded consultations), so there was no report to deliver them to'
          : !deliveryFailed
            ? `this cabin has no hub to deliver them to the report of consultation ${consultationId}`
            : `the hub did not take them for consultation ${consultationId} (${deliveryFailed.get(sessionId) ?? 'no answer'})`;
      audit(db, {
        actor: 'system',
        action: 'incident',
        sessionId,
        detail: {
          reason: 'retention',
          count: total,
          items: of.map((l) => `${l.kind}: ${l.n}`),
          detail: `${total} undelivered entries (${of.map((l) => `${l.n} ${l.kind}`).join(', ')}) deleted ${days(keepUndelivered)} after the visit ended: ${why}.`,
        },
      });
      c.dropped += total;
    }
    c.sessions = db.stmt(`DELETE FROM sessions WHERE id IN (${PURGEABLE})`).run(p).changes;
    // Delivered entries that belong to no session (none today) go after the same retention.
    c.outbox += db.stmt(`DELETE FROM outbox WHERE session_id IS NULL AND delivered_at IS NOT NULL AND delivered_at <= @cutoff`).run(p).changes;
    return c;
  });
  // secure_delete zeroed the freed pages; the checkpoint also rewrites the log that still holds the old copies.
  if (counts.sessions + counts.outbox > 0) db.raw.pragma('wal_checkpoint(TRUNCATE)');
  return counts;
}
