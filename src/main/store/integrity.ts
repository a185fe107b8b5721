import type { Db } from './open.ts';

const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;

/** SQLite's integrity_check plus the foreign keys: 'ok', or the problems found, one line each. */
export function integrityCheck(db: Db): 'ok' | string[] {
  try {
    const rows = db.raw.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    const orphans = db.raw.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    for (const o of orphans) problems.push(`row ${o.rowid} of ${o.table} refers to a missing ${o.parent} row`);
    return problems.length === 0 ? 'ok' : problems;
  } catch (err) {
    // Damage bad enough to stop the check is itself the answer.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGED.test(code)) return [`${code}: ${(err as Error).message}`];
    throw err;
  }
}
