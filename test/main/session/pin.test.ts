import { describe, expect, it } from 'vitest';
import { PinGuard, hashPin } from '../../../src/main/session/pin.ts';
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
});
