import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FromHubSchema, type QueueItem } from '../../src/shared/hub-protocol.ts';
import { QueueView, queueOrder, type QueueFrame } from '../../src/shared/queue-view.ts';
import { EDITIONS_KEPT, QueueEditions } from '../../src/hub/queue-editions.ts';

const item = (id: string, since: number, extra: Partial<QueueItem> = {}): QueueItem => ({ consultationId: id, cabinId: `cab-${id}`, cabinName: `Cabine ${id}`, language: 'fr', since, ...extra });

/** A frame as the doctor receives it: serialised by the hub, parsed and checked against the protocol. */
function received(frame: Buffer): QueueFrame {
  const m = FromHubSchema.parse(JSON.parse(frame.toString('utf8')));
  if (m.type !== 'queue' && m.type !== 'queue-delta') throw new Error(`not a queue frame: ${m.type}`);
  return m;
}

describe('the doctor’s queue from whole queues and deltas', () => {
  it('a delta carries only what changed: the new item, the changed one, the one gone', () => {
    const editions = new QueueEditions();
    const view = new QueueView();
    const q1 = [item('a', 1), item('b', 2), item('c', 3)];
    const e1 = editions.next(q1);
    expect(view.apply(received(e1.whole()))).toBe('changed');
    expect(view.items).toEqual(q1);
    const q2 = [item('a', 1), item('c', 3, { offlineSince: 9 }), item('d', 4)];
    const e = editions.next(q2);
    const delta = received(e.from(e1.rev));
    expect(delta).toEqual({ type: 'queue-delta', base: 1, rev: 2, upsert: [item('c', 3, { offlineSince: 9 }), item('d', 4)], remove: ['b'] });
    expect(view.apply(delta)).toBe('changed');
    expect(view.items).toEqual(q2);
    // The same queue read again is no new edition.
    const again = editions.next(q2);
    expect(again.rev).toBe(2);
    expect(received(again.whole())).toEqual({ type: 'queue', items: q2, rev: 2 });
    // One who still holds edition 1 gets the same delta; one who holds none of the kept ones gets the whole.
    expect(received(again.from(1))).toEqual(delta);
    expect(received(again.from(-1))).toEqual({ type: 'queue', items: q2, rev: 2 });
  });

  it('an edition already held is ignored; one that does not build on it is a gap, and the queue shown stays', () => {
    const view = new QueueView();
    expect(view.apply({ type: 'queue-delta', base: 0, rev: 1, upsert: [item('a', 1)], remove: [] })).toBe('gap');
    expect(view.apply({ type: 'queue', items: [item('a', 1)], rev: 3 })).toBe('changed');
    expect(view.apply({ type: 'queue-delta', base: 2, rev: 3, upsert: [item('x', 1)], remove: [] })).toBe('stale');
    expect(view.apply({ type: 'queue-delta', base: 4, rev: 5, upsert: [item('y', 1)], remove: ['a'] })).toBe('gap');
    expect(view.items).toEqual([item('a', 1)]);
    expect(view.apply({ type: 'queue-delta', base: 3, rev: 4, upsert: [item('b', 0)], remove: [] })).toBe('changed');
    expect(view.items.map((i) => i.consultationId)).toEqual(['b', 'a']);
    // An older hub's whole queue has no edition: a delta after it cannot be applied.
    expect(view.apply({ type: 'queue', items: [] })).toBe('changed');
    expect(view.apply({ type: 'queue-delta', base: 4, rev: 5, upsert: [item('z', 1)], remove: [] })).toBe('gap');
  });

  it('keeps the hub’s order: first asked first, then by consultation id, bytewise', () => {
    const items = [item('b', 5), item('a', 5), item('Z', 5), item('c', 1)];
    expect([...items].sort(queueOrder).map((i) => i.consultationId)).toEqual(['c', 'Z', 'a', 'b']);
  });

  it('any run of queues, read by the hub, reaches a doctor who joined at any edition and missed any of them: it ends on the hub’s queue', () => {
    const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const queue = fc
      .uniqueArray(fc.record({ id: ids, since: fc.integer({ min: 0, max: 5 }), offline: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), name: fc.constantFrom('Névache', 'Plouguerneau') }), { selector: (r) => r.id, maxLength: 6 })
      .map((rs) => rs.map((r) => item(r.id, r.since, { cabinName: r.name, ...(r.offline !== undefined && { offlineSince: r.offline }) })).sort(queueOrder));
    // Up to 40 reads: a doctor may miss more editions than the hub keeps (it then gets the whole queue).
    const run = fc.array(fc.record({ q: queue, reached: fc.boolean() }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(run, fc.nat(40), (reads, joinAt) => {
        const editions = new QueueEditions();
        const view = new QueueView();
        let joined = false;
        reads.forEach(({ q, reached }, i) => {
          const e = editions.next(q);
          const last = i === reads.length - 1;
          if (!joined && (i >= joinAt || last)) {
            joined = true;
            expect(view.apply(received(e.whole()))).toBe('changed');
          } else if (joined && (reached || last) && view.rev !== e.rev) {
            // What the hub sends one who holds an earlier edition (Broadcast): the delta from it, or the whole.
            const frame = received(e.from(view.rev));
            if (e.rev - view.rev >= EDITIONS_KEPT) expect(frame.type).toBe('queue');
            expect(view.apply(frame)).toBe('changed');
          }
          if (joined && (reached || last)) expect(view.items).toEqual(q);
        });
      }),
      { numRuns: 300 },
    );
  });
});
