import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../../src/shared/hub-protocol.ts';
import { badgeIcon, nextMinuteIn, QueueWatch, waitingFor } from '../../src/doctor/alert/queue-watch.ts';
import { waitingText } from '../../src/doctor/alert/waiting-text.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';

const item = (id: string, since = 0): QueueItem => ({ consultationId: id, cabinId: `k-${id}`, cabinName: `Cabine ${id}`, language: 'fr', since });

describe('queue arrivals (QueueWatch)', () => {
  it('a patient entering is an arrival; the same list again (a refresh, a reconnection) is none', () => {
    const w = new QueueWatch();
    expect(w.update([])).toEqual([]);
    expect(w.update([item('a')]).map((i) => i.consultationId)).toEqual(['a']);
    expect(w.update([item('a')])).toEqual([]);
    expect(w.update([item('a')])).toEqual([]);
    expect(w.update([item('a'), item('b')]).map((i) => i.consultationId)).toEqual(['b']);
  });

  it('a patient leaving, or another being taken, is no arrival; the order of the list does not matter', () => {
    const w = new QueueWatch();
    w.update([item('a'), item('b')]);
    expect(w.update([item('b')])).toEqual([]);
    expect(w.update([item('b'), item('a')]).map((i) => i.consultationId)).toEqual(['a']);
    expect(w.update([item('a'), item('b')])).toEqual([]);
  });

  it('patients already waiting at sign-in ring once; after a sign-out they are new again', () => {
    const w = new QueueWatch();
    expect(w.update([item('a'), item('b')])).toHaveLength(2);
    expect(w.update([item('a'), item('b')])).toHaveLength(0);
    w.reset();
    expect(w.update([item('a'), item('b')])).toHaveLength(2);
  });
});

describe('waiting time', () => {
  const t0 = 1_700_000_000_000;
  it('counts whole minutes from the hub time, hours beyond an hour, never negative', () => {
    expect(waitingFor(t0, t0)).toEqual({ unit: 'now' });
    expect(waitingFor(t0, t0 + 59_999)).toEqual({ unit: 'now' });
    expect(waitingFor(t0, t0 + 60_000)).toEqual({ unit: 'min', minutes: 1 });
    expect(waitingFor(t0, t0 + 3 * 60_000 + 30_000)).toEqual({ unit: 'min', minutes: 3 });
    expect(waitingFor(t0, t0 + 65 * 60_000)).toEqual({ unit: 'hour', hours: 1, minutes: 5 });
    // The console's clock a little behind the hub's.
    expect(waitingFor(t0, t0 - 5_000)).toEqual({ unit: 'now' });
  });

  it('the next change is at the next whole minute of waiting', () => {
    expect(nextMinuteIn(t0, t0)).toBe(60_000);
    expect(nextMinuteIn(t0, t0 + 45_000)).toBe(15_000);
    expect(nextMinuteIn(t0, t0 + 119_500)).toBe(1000);
  });

  it('reads "en attente depuis 3 min" in French, with its non-breaking spaces', () => {
    const fr = createI18n('fr');
    expect(waitingText(fr.t, t0, t0 + 3 * 60_000 + 10_000)).toBe('En attente depuis 3\u00a0min');
    expect(waitingText(fr.t, t0, t0 + 10_000)).toBe('En attente depuis moins d’une minute');
    expect(waitingText(fr.t, t0, t0 + 65 * 60_000)).toBe('En attente depuis 1\u00a0h\u00a005');
    const en = createI18n('en');
    expect(waitingText(en.t, t0, t0 + 3 * 60_000)).toBe('Waiting for 3 min');
  });
});

describe('title and badge', () => {
  it('the tab title carries the number waiting, singular and plural', () => {
    const fr = createI18n('fr');
    expect(fr.t('alert.titleWaiting', { count: 2 })).toBe('(2) Cabin — 2 patients en attente');
    expect(fr.t('alert.titleWaiting', { count: 1 })).toBe('(1) Cabin — 1 patient en attente');
    expect(fr.t('alert.title')).toBe('Cabin — console du médecin');
    expect(createI18n('en').t('alert.titleWaiting', { count: 3 })).toBe('(3) Cabin — 3 patients waiting');
  });

  it('the tab icon shows the count (9+ beyond nine) and differs from the idle icon', () => {
    const svg = (n: number) => decodeURIComponent(badgeIcon(n).replace('data:image/svg+xml,', ''));
    expect(badgeIcon(0)).not.toBe(badgeIcon(1));
    expect(svg(2)).toContain('>2</text>');
    expect(svg(12)).toContain('>9+</text>');
    expect(svg(0)).not.toContain('<text');
  });
});
