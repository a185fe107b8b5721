import { describe, expect, it } from 'vitest';
import { bannerKey } from '../../../src/renderer/call/banner.ts';
import { exposeStats, callStats, type CallStats } from '../../../src/renderer/call/stats.ts';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import type { CallView } from '../../../src/shared/bridge.ts';

const view = (over: Partial<CallView>): CallView => ({
  state: 'waiting',
  consultationId: 'c1',
  doctorName: null,
  peerPresent: false,
  polite: false,
  iceServers: [],
  error: null,
  ...over,
});

describe('call banner', () => {
  it('shows nothing without a hub or before a doctor is asked for', () => {
    expect(bannerKey(null, 'none')).toBeUndefined();
    expect(bannerKey(view({ state: 'off' }), 'none')).toBeUndefined();
    expect(bannerKey(view({ state: 'idle' }), 'none')).toBeUndefined();
  });

  it('says where the call stands, in French and English', () => {
    const fr = createI18n('fr');
    const en = createI18n('en');
    const say = (v: CallView, rtc: string) => {
      const key = bannerKey(v, rtc)!;
      return [fr.t(key, { name: v.doctorName ?? '' }), en.t(key, { name: v.doctorName ?? '' })];
    };
    expect(say(view({ state: 'waiting' }), 'none')).toEqual(['Nous cherchons un médecin…', 'Looking for a doctor…']);
    expect(say(view({ state: 'active', doctorName: 'Dr Martin', peerPresent: true }), 'connected')).toEqual(['Votre médecin, Dr Martin, est avec vous', 'Your doctor, Dr Martin, is with you']);
    expect(say(view({ state: 'active', doctorName: 'Martin', peerPresent: true }), 'connecting')[0]).toBe('Connexion au médecin…');
    expect(say(view({ state: 'active', doctorName: 'Martin', peerPresent: false }), 'connected')[0]).toBe('Connexion au médecin…');
    expect(say(view({ state: 'connecting' }), 'none')[0]).toBe('Connexion au médecin…');
    expect(say(view({ state: 'unavailable' }), 'none')[0]).toBe('Le médecin n\u2019est pas joignable pour l\u2019instant');
    expect(say(view({ state: 'ended' }), 'none')).toEqual(['La consultation est terminée', 'The consultation has ended']);
  });

  it('during a cut of the link says plainly that the readings are kept (fr, en, ar), then that it is back', () => {
    const active = view({ state: 'active', doctorName: 'Martin', peerPresent: true });
    expect(bannerKey(active, 'disconnected', 'lost')).toBe('call.linkLost');
    expect(bannerKey(active, 'failed', 'lost')).toBe('call.linkLost');
    // A new connection after a long cut is still the cut, not a first connection.
    expect(bannerKey(active, 'connecting', 'lost')).toBe('call.linkLost');
    expect(bannerKey(active, 'connected', 'back')).toBe('call.linkBack');
    expect(bannerKey(active, 'connected', undefined)).toBe('call.withDoctor');
    // Never connected yet: no cut, still connecting.
    expect(bannerKey(active, 'connecting', undefined)).toBe('call.connecting');
    for (const lang of ['fr', 'en', 'ar'] as const) {
      const i = createI18n(lang);
      for (const key of ['call.linkLost', 'call.linkBack']) expect(i.exists(key), `${lang} ${key}`).toBe(true);
    }
    expect(createI18n('fr').t('call.linkLost')).toBe('Liaison perdue avec le médecin. Vos mesures sont gardées\u00a0: elles lui seront envoyées dès son retour.');
    expect(createI18n('en').t('call.linkLost')).toBe('The link to the doctor is lost. Your readings are kept: they will be sent as soon as it is back.');
  });
});

describe('window.cabinCallStats', () => {
  it('is published only with ?debug=1, as a function returning a copy of the counters', () => {
    const plain: { location: { search: string }; cabinCallStats?: () => CallStats } = { location: { search: '?x=1' } };
    exposeStats(plain);
    expect(plain.cabinCallStats).toBeUndefined();
    const debug: { location: { search: string }; cabinCallStats?: () => CallStats } = { location: { search: '?debug=1' } };
    exposeStats(debug);
    callStats.framesSent += 1;
    const s = debug.cabinCallStats!();
    expect(Object.keys(s).sort()).toEqual(['audioReadings', 'eventsBytes', 'framesDropped', 'framesSent', 'samplesSent', 'telemetryBytes']);
    expect(s.framesSent).toBe(callStats.framesSent);
    s.framesSent = -1;
    expect(callStats.framesSent).not.toBe(-1);
  });
});
