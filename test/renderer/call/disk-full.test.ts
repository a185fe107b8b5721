import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyCabinEvent, type CabinEventDeps } from '../../../src/doctor/call/cabin-events.ts';
import { initialCallSnapshot } from '../../../src/doctor/call/call-state.ts';
import { EventsLink } from '../../../src/renderer/call/events.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import { CabinEventSchema, parseEvent } from '../../../src/shared/telemetry.ts';
import { FakeChannel, fakeCall, ok } from './fakes.ts';

/** Deps a `storage` message never touches: any use would throw. */
const untouched = new Proxy({}, { get: () => { throw new Error('not used by storage'); } }) as CabinEventDeps;

describe("the cabin's full disk, told to the doctor on `events`", () => {
  let link: EventsLink | undefined;
  afterEach(() => {
    link?.close();
    vi.useRealTimers();
  });

  it('the kiosk sends it when the session view says so, again on every opening while full, and when it clears', async () => {
    vi.useFakeTimers();
    const bridge = fakeCall({ 'outbox:pending': () => ok([]), 'outbox:ack': ({ ids }) => ok({ marked: ids.length }) });
    link = new EventsLink({ call: bridge.call, grabSnapshot: async () => undefined, stats: newStats(), now: () => 42 });
    const ch = new FakeChannel();
    link.attach(ch);
    ch.open();
    const storage = (c: FakeChannel) => c.messages().filter((m) => m.type === 'storage');
    link.setSession({ sessionId: 's1', phase: 'exam', language: 'fr' });
    expect(storage(ch)).toEqual([]);
    link.setSession({ sessionId: 's1', phase: 'exam', language: 'fr', diskFull: true });
    link.setSession({ sessionId: 's1', phase: 'exam', language: 'fr', diskFull: true });
    expect(storage(ch)).toEqual([{ type: 'storage', diskFull: true }]);
    // Every message sent keeps the contract (the session message carries no extra field).
    for (const m of ch.sent) expect(CabinEventSchema.safeParse(JSON.parse(m as string)).success, String(m)).toBe(true);
    const again = new FakeChannel();
    link.attach(again);
    again.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(storage(again)).toEqual([{ type: 'storage', diskFull: true }]);
    link.setSession({ sessionId: 's1', phase: 'exam', language: 'fr', diskFull: false });
    expect(storage(again).at(-1)).toEqual({ type: 'storage', diskFull: false });
  });

  it("the doctor's console shows it and takes it away; the contract refuses anything else", () => {
    const s = initialCallSnapshot();
    expect(s.cabinDiskFull).toBe(false);
    const full = parseEvent(CabinEventSchema, JSON.stringify({ type: 'storage', diskFull: true }));
    expect(full).toEqual({ type: 'storage', diskFull: true });
    expect(applyCabinEvent(s, full!, untouched)).toEqual({ cabinDiskFull: true });
    expect(applyCabinEvent({ ...s, cabinDiskFull: true }, { type: 'storage', diskFull: true }, untouched)).toBeUndefined();
    expect(applyCabinEvent({ ...s, cabinDiskFull: true }, { type: 'storage', diskFull: false }, untouched)).toEqual({ cabinDiskFull: false });
    for (const bad of [{ type: 'storage' }, { type: 'storage', diskFull: 'yes' }, { type: 'storage', diskFull: true, path: '/x' }]) {
      expect(CabinEventSchema.safeParse(bad).success).toBe(false);
    }
  });
});
