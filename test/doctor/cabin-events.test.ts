import { describe, expect, it } from 'vitest';
import { applyCabinEvent, type CabinEventDeps } from '../../src/doctor/call/cabin-events.ts';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import { CabinEventSchema, LINK_LEVELS } from '../../src/shared/telemetry.ts';

/** Deps a `link` message never touches: any use would throw. */
const untouched = new Proxy({}, { get: () => { throw new Error('not used by link'); } }) as CabinEventDeps;

describe("the cabin's uplink level on the doctor's side", () => {
  it('a link message sets the level shown; the same level again changes nothing', () => {
    const s = initialCallSnapshot();
    expect(s.cabinLink).toBe('full');
    expect(applyCabinEvent(s, { type: 'link', level: 'minimal' }, untouched)).toEqual({ cabinLink: 'minimal' });
    expect(applyCabinEvent({ ...s, cabinLink: 'minimal' }, { type: 'link', level: 'minimal' }, untouched)).toBeUndefined();
  });

  it('the contract takes the four levels and nothing else', () => {
    for (const level of LINK_LEVELS) expect(CabinEventSchema.safeParse({ type: 'link', level }).success).toBe(true);
    for (const bad of [{ type: 'link', level: 'great' }, { type: 'link' }, { type: 'link', level: 'low', extra: 1 }]) {
      expect(CabinEventSchema.safeParse(bad).success).toBe(false);
    }
  });
});
