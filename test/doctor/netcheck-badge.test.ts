import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { NetCheckBadge } from '../../src/doctor/components/NetCheckBadge.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { Language } from '../../src/shared/language.ts';
import { hubOnlyCheck, type NetCheck } from '../../src/shared/netcheck.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const render = (check: NetCheck, language: Language = 'fr') =>
  text(renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(NetCheckBadge, { check }))));
const none = { udp: null, tcp: null, tls: null };

describe("the queue's network badge", () => {
  it('shows the media path through TURN when it was measured', () => {
    const check: NetCheck = { at: 1, verdict: 'good', hubRttMs: 20, hubLossPct: 0, turn: { udp: true, tcp: true, tls: null }, pathRttMs: 62, pathLossPct: 1, uplinkKbps: 900 };
    expect(render(check)).toBe('▂▄▆█ Réseau de la cabine : bon (aller-retour 62 ms, pertes 1 %, débit 900 kbit/s)');
    expect(render(check, 'en')).toContain('(round trip 62 ms, loss 1 %, throughput 900 kbit/s)');
  });

  it('a hub-only check (no TURN) shows the round trip and loss to the hub, never dashes', () => {
    const check = hubOnlyCheck({ rttMs: 41.4, lossPct: 0 }, 1);
    const fr = render(check);
    expect(fr).toContain('(aller-retour jusqu’au serveur 41 ms, pertes 0 %)');
    expect(fr).not.toContain('—');
    expect(render(check, 'en')).toContain('(round trip to the hub 41 ms, loss 0 %)');
    expect(render(check, 'ar')).toContain('زمن الذهاب والإياب إلى الخادم المركزي 41 مللي ثانية، الفقد 0 ٪');
  });

  it('no figure at all: the verdict alone, without an empty or misleading list', () => {
    const fr = render({ at: 1, verdict: 'offline', turn: none });
    expect(fr).toBe('✕ Réseau de la cabine : pas de connexion');
  });
});
