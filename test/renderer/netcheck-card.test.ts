import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { NetworkCard } from '../../src/renderer/assistant/NetworkCard.tsx';
import { createI18n } from '../../src/renderer/i18n/index.ts';
import { NetCheckBadge } from '../../src/doctor/components/NetCheckBadge.tsx';
import { createI18n as createDoctorI18n } from '../../src/doctor/i18n/index.ts';
import type { Language } from '../../src/shared/language.ts';
import type { NetCheck } from '../../src/shared/netcheck.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n]+/g, ' ').trim();
const check = (verdict: NetCheck['verdict']): NetCheck => ({
  at: Date.UTC(2026, 11, 6, 9, 30),
  verdict,
  turn: { udp: true, tcp: null, tls: false },
  hubRttMs: 41,
  pathRttMs: 320,
  pathLossPct: 4.7,
  uplinkKbps: 266,
  downlinkKbps: 266,
});
const card = (language: Language, verdict: NetCheck['verdict'] | null, running = false) =>
  text(
    renderToStaticMarkup(
      createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(NetworkCard, { state: { running, check: verdict ? check(verdict) : undefined }, onCheck: () => {} })),
    ),
  );

describe("the assistant panel's network card", () => {
  it('says the verdict in words, French first, with the figures in small print and « Vérifier à nouveau »', () => {
    expect(card('fr', 'good')).toContain('Bonne connexion');
    expect(card('fr', 'reduced')).toContain('La vidéo sera réduite');
    expect(card('fr', 'audio-only')).toContain('Son et mesures seulement');
    expect(card('fr', 'offline')).toContain('Pas de connexion');
    const fr = card('fr', 'reduced');
    expect(fr).toContain('320\u00a0ms');
    expect(fr).toContain('4,7\u00a0%');
    expect(fr).toContain('266\u00a0kbit/s');
    expect(fr).toContain('UDP oui, TCP non essayé, TLS non');
    expect(fr).toContain('Vérifier à nouveau');
  });

  it('in English and Arabic too', () => {
    expect(card('en', 'reduced')).toContain('Video will be reduced');
    expect(card('en', 'audio-only')).toContain('Sound and readings only');
    expect(card('ar', 'audio-only')).toContain('الصوت والقياسات فقط');
    expect(card('ar', 'good')).toContain('افحص مرة أخرى');
  });

  it('says when no check ran yet, and while one runs', () => {
    expect(card('fr', null)).toContain('Réseau pas encore vérifié.');
    expect(card('fr', null, true)).toContain('Vérification du réseau…');
  });
});

describe("the doctor's queue item", () => {
  const badge = (language: Language, verdict: NetCheck['verdict']) =>
    text(renderToStaticMarkup(createElement(I18nextProvider, { i18n: createDoctorI18n(language) }, createElement(NetCheckBadge, { check: check(verdict) }))));

  it('shows the cabin network in words, translated', () => {
    expect(badge('fr', 'reduced')).toContain('Réseau de la cabine\u00a0: vidéo réduite');
    expect(badge('fr', 'audio-only')).toContain('son et mesures seulement');
    expect(badge('en', 'good')).toContain('Cabin network: good');
    expect(badge('ar', 'offline')).toContain('لا يوجد اتصال');
    expect(badge('en', 'reduced')).toContain('round trip 320\u00a0ms, loss 5\u00a0%, throughput 266\u00a0kbit/s');
  });
});
