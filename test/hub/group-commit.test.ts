import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit } from '../../src/hub/store/group-commit.ts';

interface DB {
  parent: { id: number };
  child: { id: number; parent_id: number; note: string };
}

let raw: Database.Database;
let db: Kysely<DB>;

beforeEach(async () => {
  raw = new Database(':memory:');
  raw.pragma('foreign_keys = ON');
  db = new Kysely<DB>({ dialect: new SqliteDialect({ database: raw }) });
  await sql`CREATE TABLE parent (id INTEGER PRIMARY KEY)`.execute(db);
  await sql`CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id), note TEXT NOT NULL)`.execute(db);
  await db.insertInto('parent').values({ id: 1 }).execute();
});
afterEach(async () => {
  await db.destroy();
});

const notes = async (): Promise<string[]> => (await db.selectFrom('child').select('note').orderBy('id').execute()).map((r) => r.note);

describe('group commit on the SQLite file', () => {
  it('runs transactions that arrive together in one commit, each seeing its own writes, in the order they came', async () => {
    const group = new GroupCommit(db);
    const begun = vi.spyOn(db, 'startTransaction');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        group.run(async (trx) => {
          await trx.insertInto('child').values({ id: i + 1, parent_id: 1, note: `n${i}` }).execute();
          const mine = await trx.selectFrom('child').select('note').where('id', '=', i + 1).executeTakeFirstOrThrow();
          return mine.note;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
    expect(await notes()).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
    // The first alone (nothing was being written), the eleven that came meanwhile together.
    expect(begun).toHaveBeenCalledTimes(2);
  });

  it('rolls back only the transaction that throws; its caller gets its error, the others commit', async () => {
    const group = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      group.run((trx) => trx.insertInto('child').values({ id: 1, parent_id: 1, note: 'first' }).execute()),
      group.run(async (trx) => {
        await trx.insertInto('child').values({ id: 2, parent_id: 1, note: 'half-written' }).execute();
        throw new Error('changed meanwhile');
      }),
      group.run((trx) => trx.insertInto('child').values({ id: 3, parent_id: 1, note: 'third' }).execute()),
      // A statement the database refuses (no such parent) fails its own transaction only.
      group.run((trx) => trx.insertInto('child').values({ id: 4, parent_id: 99, note: 'orphan' }).execute()),
      group.run((trx) => trx.insertInto('child').values({ id: 5, parent_id: 1, note: 'fifth' }).execute()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('changed meanwhile'));
    expect(String((outcomes[3] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(await notes()).toEqual(['first', 'third', 'fifth']);
  });

  it('fails every transaction of a group whose commit fails, and writes none of them; the next group works', async () => {
    const group = new GroupCommit(db);
    const hold = group.run(() => new Promise((r) => setTimeout(r, 20))); // the next ones arrive while this is written
    const grouped = Promise.allSettled([
      group.run((trx) => trx.insertInto('child').values({ id: 1, parent_id: 1, note: 'fine' }).execute()),
      group.run(async (trx) => {
        // Checked only at COMMIT: the whole group's commit fails, as a full disk would make it.
        await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
        await trx.insertInto('child').values({ id: 2, parent_id: 42, note: 'dangling' }).execute();
      }),
    ]);
    await hold;
    const outcomes = await grouped;
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(await notes()).toEqual([]);
    await group.run((trx) => trx.insertInto('child').values({ id: 3, parent_id: 1, note: 'after' }).execute());
    expect(await notes()).toEqual(['after']);
  });

  it('keeps a group to its limit: more waiting ones go in the next group', async () => {
    const group = new GroupCommit(db, 3);
    const begun = vi.spyOn(db, 'startTransaction');
    await Promise.all(Array.from({ length: 8 }, (_, i) => group.run((trx) => trx.insertInto('child').values({ id: i + 1, parent_id: 1, note: `n${i}` }).execute())));
    // 1 alone, then 7 waiting: groups of 3, 3 and 1.
    expect(begun).toHaveBeenCalledTimes(4);
    expect(await notes()).toHaveLength(8);
  });
});
