import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/doctor/call/call.ts';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import { cabinLiveness, type CabinLiveness } from '../../src/doctor/call/liveness.ts';
import { Devices } from '../../src/doctor/components/Devices.tsx';
import { MediaView } from '../../src/doctor/components/MediaView.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { Language } from '../../src/shared/language.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const wrap = (el: ReturnType<typeof createElement>, language: Language = 'fr') => renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, el));
const snap = {
  ...initialCallSnapshot(),
  rtc: 'connected' as const,
  channelOpen: true,
  devices: [{ id: 'oxi', name: 'Contec CMS50D+', category: 'pulse-oximeter', link: 'connected', status: 'ok' as const, commands: [] }],
};
const devices = (liveness: CabinLiveness, language: Language = 'fr') => wrap(createElement(Devices, { call: {} as Call, snap, liveness }), language);

describe('the cabin not answering: its last picture and device states are not shown as live', () => {
  it('live only when the hub says the cabin is present and the media link is up', () => {
    expect(cabinLiveness(true, 'connected')).toBe('live');
    expect(cabinLiveness(false, 'connected')).toBe('stopped');
    expect(cabinLiveness(undefined, 'connected')).toBe('unknown');
    for (const rtc of ['connecting', 'reconnecting', 'failed', 'closed'] as const) {
      expect(cabinLiveness(true, rtc)).toBe('stopped');
      expect(cabinLiveness(undefined, rtc)).toBe('stopped');
    }
  });

  it('devices: « connecté » while live; « état inconnu » (no link, no signal state) once the cabin is gone or unknown', () => {
    expect(text(devices('live'))).toContain('Liaison : connecté');
    expect(devices('live')).toContain('data-link="connected"');
    for (const l of ['stopped', 'unknown'] as const) {
      const html = devices(l);
      expect(text(html)).not.toContain('connecté');
      expect(html).toContain('data-link="unknown"');
      expect(html).toContain('data-status=""');
    }
    expect(text(devices('stopped'))).toContain('État inconnu : la cabine ne répond plus');
    expect(text(devices('unknown'))).toContain('État inconnu : connexion au serveur perdue');
    expect(text(devices('stopped', 'en'))).toContain('State unknown: the cabin is not answering');
    expect(text(devices('stopped', 'ar'))).toContain('الحالة غير معروفة');
  });

  it('the picture: marked frozen (and not data-live) when stale, unmarked when live, nothing to mark without a stream', () => {
    const stream = {} as MediaStream;
    const live = wrap(createElement(MediaView, { kind: 'video', stream, testId: 'video-camera', label: 'Caméra', stale: undefined }));
    expect(live).toContain('data-live="true"');
    expect(live).not.toContain('video-camera-stale');
    const frozen = wrap(createElement(MediaView, { kind: 'video', stream, testId: 'video-camera', label: 'Caméra', stale: 'Image figée : la cabine ne répond plus.' }));
    expect(frozen).toContain('data-live="false"');
    expect(frozen).toContain('data-testid="video-camera-stale"');
    expect(text(frozen)).toContain('Image figée : la cabine ne répond plus.');
    const none = wrap(createElement(MediaView, { kind: 'video', stream: undefined, testId: 'video-camera', label: 'Caméra', stale: 'x' }));
    expect(none).not.toContain('video-camera-stale');
  });

  it('the frozen-picture words exist in every language', () => {
    for (const language of ['fr', 'en', 'ar'] as const) {
      const i18n = createI18n(language);
      for (const k of ['media.stale.stopped', 'media.stale.unknown', 'devices.unknown.stopped', 'devices.unknown.unknown']) expect(i18n.exists(k)).toBe(true);
    }
    expect(createI18n('fr').t('media.stale.stopped')).toBe('Image figée\u00a0: la cabine ne répond plus.');
  });
});
