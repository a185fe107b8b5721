import { describe, expect, it } from 'vitest';
import { Broadcast, type Edition } from '../../src/hub/broadcast.ts';

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Editions of a counter: a delta says from which version to which, the whole says the version. */
function counter() {
  let version = 0;
  return {
    set: (v: number) => (version = v),
    edition: (): Edition => {
      const rev = version;
      return { rev, from: (base) => Buffer.from(`${base}>${rev}`), whole: () => Buffer.from(`=${rev}`) };
    },
  };
}

const noError = (err: unknown) => {
  throw err;
};

describe('a state everyone must hold the latest of', () => {
  it('reads once per turn of changes, never two sends side by side, and once more for changes during a send', async () => {
    const c = counter();
    let reading = 0;
    let reads = 0;
    let most = 0;
    let release: (() => void) | undefined;
    const got: string[] = [];
    const b = new Broadcast<string>({
      read: async () => {
        reading++;
        reads++;
        most = Math.max(most, reading);
        const e = c.edition();
        await new Promise<void>((r) => (release = r));
        reading--;
        return e;
      },
      send: (_, f) => got.push(f.toString()),
      open: () => true,
      onError: noError,
    });
    c.set(1);
    b.join('a');
    b.changed();
    await turns(2);
    // A send under way; three more changes meanwhile make exactly one more send, of the latest.
    c.set(2);
    b.changed();
    c.set(3);
    b.changed();
    b.changed();
    release!();
    await turns(3);
    release!();
    await turns(3);
    expect(got).toEqual(['=1', '1>3']);
    expect(reads).toBe(2);
    expect(most).toBe(1);
  });

  it('gives a newcomer the whole state, then only the changes; the others get the change, not the whole', async () => {
    const c = counter();
    const got: string[] = [];
    const b = new Broadcast<string>({ read: () => Promise.resolve(c.edition()), send: (to, f) => got.push(`${to}${f.toString()}`), open: () => true, onError: noError });
    b.join('a');
    await turns(3);
    c.set(1);
    b.join('b');
    await turns(3);
    // Nothing changed: b joins and gets the whole, a gets nothing.
    b.join('c');
    await turns(3);
    c.set(2);
    b.changed();
    await turns(3);
    expect(got).toEqual(['a=0', 'a0>1', 'b=1', 'c=1', 'a1>2', 'b1>2', 'c1>2']);
  });

  it('reads nothing while nobody listens; the first to join gets what changed meanwhile, whole', async () => {
    const c = counter();
    let reads = 0;
    const got: string[] = [];
    const b = new Broadcast<string>({
      read: () => {
        reads++;
        return Promise.resolve(c.edition());
      },
      send: (to, f) => got.push(`${to}${f.toString()}`),
      open: () => true,
      onError: noError,
    });
    c.set(5);
    b.changed();
    b.changed();
    await turns(3);
    expect(reads).toBe(0);
    b.join('a');
    await turns(3);
    expect(got).toEqual(['a=5']);
    b.leave('a');
    expect(b.size).toBe(0);
    c.set(6);
    b.changed();
    await turns(3);
    expect(got).toEqual(['a=5']);
  });

  it('a failed read loses nothing: read again after a moment, the newcomer still gets the whole', async () => {
    const c = counter();
    let fail = true;
    const errors: unknown[] = [];
    const got: string[] = [];
    const b = new Broadcast<string>({
      read: () => (fail ? Promise.reject(new Error('database away')) : Promise.resolve(c.edition())),
      send: (to, f) => got.push(`${to}${f.toString()}`),
      open: () => true,
      onError: (err) => errors.push(err),
      retryMs: 20,
    });
    c.set(1);
    b.join('a');
    await turns(3);
    expect(got).toEqual([]);
    expect(errors).toHaveLength(1);
    fail = false;
    await new Promise((r) => setTimeout(r, 60));
    await turns(3);
    expect(got).toEqual(['a=1']);
  });

  it('sends in slices, skipping one who left meanwhile, and stops once closed', async () => {
    const c = counter();
    const got: string[] = [];
    let open = true;
    const b: Broadcast<string> = new Broadcast<string>({
      read: () => Promise.resolve(c.edition()),
      send: (to) => {
        got.push(to);
        if (to === 'b') b.leave('d'); // d leaves while the first slice is sent
        if (to === 'c') open = false; // the hub closes during the second slice
      },
      open: () => open,
      onError: () => {},
      slice: 2,
    });
    for (const who of ['a', 'b', 'c', 'd', 'e']) b.join(who);
    await turns(6);
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('a change during a send reaches those not reached yet at once, from the edition they hold; the others after them', async () => {
    const c = counter();
    const got: string[] = [];
    const b: Broadcast<string> = new Broadcast<string>({
      read: () => Promise.resolve(c.edition()),
      send: (to, f) => {
        got.push(`${to}${f.toString()}`);
        // Edition 3 comes while edition 2 is in its first slice.
        if (f.toString() === '1>2' && to === 'b') {
          c.set(3);
          b.changed();
        }
      },
      open: () => true,
      onError: noError,
      onSent: (ms, recipients) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        got.push(`all ${recipients}`);
      },
      slice: 2,
    });
    c.set(1);
    for (const who of ['a', 'b', 'c', 'd', 'e', 'f']) b.join(who);
    await turns(6);
    got.length = 0;
    c.set(2);
    b.changed();
    await turns(10);
    // Edition 2 has reached everyone once c…f hold 3 (which carries it); edition 3 once a and b have it too.
    expect(got).toEqual(['a1>2', 'b1>2', 'c1>3', 'd1>3', 'e1>3', 'f1>3', 'all 6', 'a2>3', 'b2>3', 'all 6']);
  });

  it('a read that fails in the middle of a send loses nothing: each member then gets what it lacks', async () => {
    const c = counter();
    let fail = false;
    const got: string[] = [];
    const errors: unknown[] = [];
    const b: Broadcast<string> = new Broadcast<string>({
      read: () => (fail ? Promise.reject(new Error('database away')) : Promise.resolve(c.edition())),
      send: (to, f) => {
        got.push(`${to}${f.toString()}`);
        if (f.toString() === '1>2' && to === 'a') {
          fail = true;
          c.set(3);
          b.changed();
        }
      },
      open: () => true,
      onError: (err) => errors.push(err),
      retryMs: 20,
      slice: 1,
    });
    c.set(1);
    for (const who of ['a', 'b', 'c']) b.join(who);
    await turns(6);
    got.length = 0;
    c.set(2);
    b.changed();
    await turns(6);
    expect(got).toEqual(['a1>2']);
    expect(errors).toHaveLength(1);
    fail = false;
    await new Promise((r) => setTimeout(r, 60));
    await turns(8);
    expect(got).toEqual(['a1>2', 'a2>3', 'b1>3', 'c1>3']);
  });
});
