import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pinLockFile } from '../../../src/main/session/pin-lock.ts';
import { PIN_MAX_LOCK_MS, PinGuard, hashPin } from '../../../src/main/session/pin.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

const STORED = hashPin('4821');

describe('PinGuard', () => {
  it('answers unset without a configured PIN, ok for the right one and wrong for another', () => {
    expect(new PinGuard(undefined).check('4821')).toBe('unset');
    const g = new PinGuard(STORED, new ManualClock());
    expect(g.check('0000')).toBe('wrong');
    expect(g.check('4821')).toBe('ok');
  });

  it('counts guesses sent in parallel one by one: the sixth is locked out, the right PIN too', async () => {
    const g = new PinGuard(STORED, new ManualClock());
    const guesses = [...Array.from({ length: 40 }, (_, i) => String(1000 + i)), '4821'];
    const answers = await Promise.all(guesses.map(async (p) => g.check(p)));
    expect(answers.filter((a) => a === 'wrong')).toHaveLength(5);
    expect(answers.filter((a) => a === 'locked')).toHaveLength(36);
    expect(answers.at(-1)).toBe('locked');
  });

  it('keeps the pad locked for a minute on its clock, then lets the right PIN in', () => {
    const clock = new ManualClock();
    const g = new PinGuard(STORED, clock);
    for (let i = 0; i < 5; i++) expect(g.check('0000')).toBe('wrong');
    clock.advance(59_999);
    expect(g.check('4821')).toBe('locked');
    clock.advance(1);
    expect(g.check('4821')).toBe('ok');
  });

  it('locks only after five wrong PINs in a row: a right one in between starts the count again', () => {
    const g = new PinGuard(STORED, new ManualClock());
    for (let i = 0; i < 4; i++) expect(g.check('0000')).toBe('wrong');
    expect(g.check('4821')).toBe('ok');
    for (let i = 0; i < 4; i++) expect(g.check('0000')).toBe('wrong');
    expect(g.check('4821')).toBe('ok');
    for (let i = 0; i < 5; i++) expect(g.check('0000')).toBe('wrong');
    expect(g.check('4821')).toBe('locked');
  });

  it('grows the lock with every further wrong PIN (1, 2, 4 … minutes, at most 15); the right PIN resets it', () => {
    const clock = new ManualClock();
    const g = new PinGuard(STORED, clock);
    for (let i = 0; i < 5; i++) expect(g.check('0000')).toBe('wrong');
    const locks: number[] = [];
    for (let n = 0; n < 7; n++) {
      locks.push(g.waitMs());
      clock.advance(g.waitMs());
      expect(g.check('0000')).toBe('wrong');
    }
    expect(locks).toEqual([60_000, 120_000, 240_000, 480_000, PIN_MAX_LOCK_MS, PIN_MAX_LOCK_MS, PIN_MAX_LOCK_MS]);
    clock.advance(g.waitMs() - 1);
    expect(g.check('4821')).toBe('locked');
    clock.advance(1);
    expect(g.check('4821')).toBe('ok');
    // Counted again from zero: four wrong PINs do not lock.
    for (let i = 0; i < 4; i++) expect(g.check('0000')).toBe('wrong');
    expect(g.waitMs()).toBe(0);
  });

  describe('across a restart of cabin main', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-pin-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the count and the lock survive (kept in a 0600 file beside the store)', () => {
      const file = join(dir, 'pin-lock.json');
      const clock = new ManualClock();
      const first = new PinGuard(STORED, clock, pinLockFile(file));
      for (let i = 0; i < 5; i++) expect(first.check('0000')).toBe('wrong');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // Restarted: still locked, the right PIN too.
      const second = new PinGuard(STORED, clock, pinLockFile(file));
      expect(second.check('4821')).toBe('locked');
      clock.advance(60_000);
      // The next wrong PIN after the restart doubles the lock, as it would have without the restart.
      expect(second.check('1111')).toBe('wrong');
      const third = new PinGuard(STORED, clock, pinLockFile(file));
      expect(third.waitMs()).toBe(120_000);
      clock.advance(120_000);
      expect(third.check('4821')).toBe('ok');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ failures: 0, lockedUntil: 0 });
    });

    it('a damaged file is no lock, and a lock beyond the cap (clock set back) is cut to the cap', () => {
      const file = join(dir, 'odd.json');
      const store = pinLockFile(file);
      store.save({ failures: 9, lockedUntil: Date.now() + 10 * 24 * 3_600_000 });
      expect(new PinGuard(STORED, { now: Date.now }, store).waitMs()).toBeLessThanOrEqual(PIN_MAX_LOCK_MS);
      const garbage = join(dir, 'garbage.json');
      rmSync(garbage, { force: true });
      writeFileSync(garbage, '{"failures": "many"');
      expect(pinLockFile(garbage).load()).toBeUndefined();
    });
  });
});
