import type { Consultation, HubStore } from '../store.ts';
import type { Input, Outcome } from './transition.ts';

/** How often a change is decided again when another writer got there first (each retry sees a later state). */
const ATTEMPTS = 5;

class Conflict extends Error {}

/**
 * Writes an outcome in one transaction: its rows, then `next` as a compare-and-set against `prev` (a new consultation:
 * an insert unless its cabin has an open one). Null when the consultation changed since it was read: nothing is written.
 * The store's answers to report readings come back as `stored` inputs.
 */
export async function commit(store: Pick<HubStore, 'transaction'>, prev: Consultation | null, out: Outcome): Promise<Input[] | null> {
  // Nothing to write (a relayed signal, a refusal, a read): no transaction. Each signal otherwise cost a BEGIN and a
  // COMMIT, which on SQLite hold the one connection and on PostgreSQL are two more round trips (issue 14's profile).
  if (!out.next && out.writes.length === 0) return [];
  const id = out.next?.id ?? prev?.id;
  try {
    return await store.transaction(async (tx) => {
      if (out.next && prev === null && !(await tx.insert(out.next))) throw new Conflict();
      const answers: Input[] = [];
      for (const w of out.writes) {
        if (id === undefined) break;
        if (w.kind === 'incident') await tx.addIncident(id, w.side, w.detail);
        else {
          const stored = await tx.addReadings(id, w.readings);
          if (w.answer) answers.push({ type: 'stored', ref: w.answer.ref, stored });
          else if (stored && stored.refused > 0) await tx.addIncident(id, 'hub', `the report is full: ${stored.refused} readings of the end were not stored`);
        }
      }
      // After the readings: they are only taken while the consultation is active.
      if (out.next && prev !== null && !(await tx.update(prev, out.next))) throw new Conflict();
      return answers;
    });
  } catch (err) {
    if (err instanceof Conflict) return null;
    throw err;
  }
}

/**
 * Reads the consultation, decides, writes; decides again on what is stored now when another writer changed it in
 * between (two doctors claiming at once: one wins, the other is told it is taken).
 */
export async function settle(
  store: Parameters<typeof commit>[0],
  read: () => Promise<Consultation | null>,
  decide: (c: Consultation | null) => Outcome,
): Promise<{ prev: Consultation | null; out: Outcome; answers: Input[] }> {
  for (let attempt = 1; ; attempt++) {
    const prev = await read();
    const out = decide(prev);
    const answers = await commit(store, prev, out);
    if (answers) return { prev, out, answers };
    if (attempt === ATTEMPTS) throw new Error(`The consultation ${prev?.id ?? ''} kept changing while it was written: try again.`);
  }
}
