import type { HubDb } from './db.ts';

/** The consultation that ended last (the operator's `export --last`), or null when none has ended. */
export function lastEnded(s: HubDb): string | null {
  const row = s.db.prepare("SELECT id FROM consultations WHERE state = 'ended' ORDER BY ended_at DESC, rowid DESC LIMIT 1").get() as { id?: unknown } | undefined;
  return typeof row?.id === 'string' ? row.id : null;
}
