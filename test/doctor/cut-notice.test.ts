import { describe, expect, it } from 'vitest';
import { NO_CUT, nextCutNotice, type CutNotice } from '../../src/doctor/call/cut-notice.ts';
import type { RtcState } from '../../src/doctor/call/call-state.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';

const run = (states: RtcState[]): (CutNotice['notice'])[] => {
  let s = NO_CUT;
  return states.map((rtc) => (s = nextCutNotice(s, rtc)).notice);
};

describe("the doctor told of a cut of the cabin's link", () => {
  it('lost once a connected call is reconnecting, failed or connecting again; back when connected again', () => {
    expect(run(['connecting', 'connected', 'reconnecting', 'failed', 'connecting', 'connected'])).toEqual([undefined, undefined, 'lost', 'lost', 'lost', 'back']);
    // Before the first connection nothing is lost; the end of the call is not a cut.
    expect(run(['connecting', 'failed', 'connecting'])).toEqual([undefined, undefined, undefined]);
    expect(run(['connecting', 'connected', 'closed'])).toEqual([undefined, undefined, undefined]);
  });

  it('in plain words, in French, English and Arabic', () => {
    const fr = createI18n('fr');
    expect(fr.t('cut.lost')).toBe('Liaison perdue avec la cabine\u00a0: les mesures sont conservées et suivront dès son retour.');
    expect(fr.t('vital.late', { count: 31 })).toBe('arrivée avec 31\u00a0s de retard');
    expect(createI18n('en').t('vital.late', { count: 31 })).toBe('arrived 31 s late');
    for (const lang of ['fr', 'en', 'ar'] as const) {
      const i = createI18n(lang);
      for (const key of ['cut.lost', 'cut.back']) expect(i.exists(key), `${lang} ${key}`).toBe(true);
      expect(i.t('vital.lateMin', { count: 3 })).not.toBe('vital.lateMin');
    }
  });
});
