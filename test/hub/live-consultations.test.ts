import { describe, expect, it } from 'vitest';
import { LiveConsultations } from '../../src/hub/consultation/live.ts';
import type { Consultation } from '../../src/hub/store.ts';

const row = (id: string, state: Consultation['state'] = 'active'): Consultation => ({
  id,
  cabinId: 'cab-1',
  cabinName: 'Névache',
  doctorId: state === 'waiting' ? null : 'doc-1',
  doctorName: state === 'waiting' ? null : 'Dr Martin',
  language: 'fr',
  state,
  createdAt: 1,
  claimedAt: state === 'waiting' ? null : 2,
  endedAt: state === 'ended' ? 3 : null,
  cabinLeftAt: null,
  cabinLeftReason: null,
  visit: null,
});

/** A store read that counts its calls and answers what the test sets (or waits for the test to let it answer). */
function store(initial: Record<string, Consultation | null>) {
  const rows = new Map(Object.entries(initial));
  let reads = 0;
  let hold: Promise<void> | undefined;
  return {
    rows,
    get reads() {
      return reads;
    },
    holdNext(): () => void {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return release;
    },
    load: async (id: string): Promise<Consultation | null> => {
      reads++;
      const at = rows.get(id) ?? null;
      if (hold) {
        const h = hold;
        hold = undefined;
        await h;
      }
      return at;
    },
  };
}

describe('the consultations a node remembers for its signals', () => {
  it('reads an active consultation once, then answers from memory until its time is up', async () => {
    let now = 1_000;
    const live = new LiveConsultations(() => now, 30_000);
    const s = store({ c1: row('c1') });
    expect(await live.read('c1', s.load)).toMatchObject({ id: 'c1', state: 'active' });
    for (let i = 0; i < 50; i++) await live.read('c1', s.load);
    expect(s.reads).toBe(1);
    now += 29_999;
    await live.read('c1', s.load);
    expect(s.reads).toBe(1);
    // Past its time (news lost while Redis was away): the store is asked again, and its answer counts.
    s.rows.set('c1', row('c1', 'ended'));
    now += 1;
    expect((await live.read('c1', s.load))?.state).toBe('ended');
    expect(s.reads).toBe(2);
  });

  it('never remembers a consultation that is not active, nor one that does not exist', async () => {
    const live = new LiveConsultations(() => 0);
    const s = store({ w: row('w', 'waiting'), e: row('e', 'ended') });
    for (let i = 0; i < 3; i++) {
      expect((await live.read('w', s.load))?.state).toBe('waiting');
      expect((await live.read('e', s.load))?.state).toBe('ended');
      expect(await live.read('nope', s.load)).toBeNull();
    }
    expect(s.reads).toBe(9);
    expect(live.size).toBe(0);
  });

  it('reads again after forget (a transition written here or heard from another node)', async () => {
    const live = new LiveConsultations(() => 0);
    const s = store({ c1: row('c1') });
    await live.read('c1', s.load);
    s.rows.set('c1', row('c1', 'ended'));
    expect((await live.read('c1', s.load))?.state).toBe('active');
    live.forget('c1');
    expect((await live.read('c1', s.load))?.state).toBe('ended');
    expect(s.reads).toBe(2);
  });

  it('does not remember a read that began before a change and ended after it', async () => {
    const live = new LiveConsultations(() => 0);
    const s = store({ c1: row('c1') });
    const release = s.holdNext();
    const before = live.read('c1', s.load); // reads the row while it is still active
    s.rows.set('c1', row('c1', 'ended'));
    live.forget('c1'); // the end is committed while that read is under way
    release();
    expect((await before)?.state).toBe('active'); // its caller decides on what it read
    expect((await live.read('c1', s.load))?.state).toBe('ended'); // but the next signal reads the store again
    expect(s.reads).toBe(2);
  });

  it('lets signals arriving during a read wait for that same read', async () => {
    const live = new LiveConsultations(() => 0);
    const s = store({ c1: row('c1') });
    const release = s.holdNext();
    const reads = Array.from({ length: 10 }, () => live.read('c1', s.load));
    release();
    const got = await Promise.all(reads);
    expect(got.every((c) => c?.id === 'c1')).toBe(true);
    expect(s.reads).toBe(1);
  });

  it('passes a failed read on to its caller, remembers nothing, and reads again next time', async () => {
    const live = new LiveConsultations(() => 0);
    let fail = true;
    const load = (id: string): Promise<Consultation | null> => (fail ? Promise.reject(new Error('database away')) : Promise.resolve(row(id)));
    await expect(live.read('c1', load)).rejects.toThrow('database away');
    expect(live.size).toBe(0);
    fail = false;
    expect((await live.read('c1', load))?.state).toBe('active');
    expect(live.size).toBe(1);
  });

  it('holds at most its limit, forgetting the oldest first', async () => {
    const live = new LiveConsultations(() => 0, 30_000, 3);
    const s = store({ a: row('a'), b: row('b'), c: row('c'), d: row('d') });
    for (const id of ['a', 'b', 'c', 'd']) await live.read(id, s.load);
    expect(live.size).toBe(3);
    await live.read('a', s.load); // forgotten: read again
    await live.read('d', s.load); // kept
    expect(s.reads).toBe(5);
  });
});
