import type { Db } from './open.ts';

export interface PurgeCounts {
  sessions: number;
  observations: number;
  waveformChunks: number;
  media: number;
  outbox: number;
}

// Ended before the cutoff, and nothing of it still waiting for delivery.
const PURGEABLE = `SELECT s.id FROM sessions s
  WHERE s.ended_at IS NOT NULL AND s.ended_at <= @cutoff
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.session_id = s.id AND o.delivered_at IS NULL)`;

const count = (table: string) => `SELECT COUNT(*) AS n FROM ${table} WHERE session_id IN (${PURGEABLE})`;

/**
 * Deletes the sessions that ended more than `retentionMs` before `nowMs` and whose every outbox entry was
 * delivered, with their observations, waveforms, media and delivered outbox entries (ON DELETE CASCADE).
 * Undelivered data is never deleted; the audit log is never touched. One transaction.
 */
export function purge(db: Db, nowMs: number, retentionMs: number): PurgeCounts {
  const p = { cutoff: nowMs - Math.max(0, retentionMs) };
  const n = (sql: string) => (db.stmt(sql).get(p) as { n: number }).n;
  const counts = db.tx(() => {
    const c: PurgeCounts = {
      sessions: 0,
      observations: n(count('observations')),
      waveformChunks: n(count('waveform_chunks')),
      media: n(count('media')),
      outbox: n(count('outbox')),
    };
    c.sessions = db.stmt(`DELETE FROM sessions WHERE id IN (${PURGEABLE})`).run(p).changes;
    // Delivered entries that belong to no session (none today) go after the same retention.
    c.outbox += db.stmt(`DELETE FROM outbox WHERE session_id IS NULL AND delivered_at IS NOT NULL AND delivered_at <= @cutoff`).run(p).changes;
    return c;
  });
  // secure_delete zeroed the freed pages; the checkpoint also rewrites the log that still holds the old copies.
  if (counts.sessions + counts.outbox > 0) db.raw.pragma('wal_checkpoint(TRUNCATE)');
  return counts;
}
