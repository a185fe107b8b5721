import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BridgeProvider } from '../../../src/renderer/bridge/context.tsx';
import { LinkState } from '../../../src/renderer/bridge/link.ts';
import { createI18n } from '../../../src/renderer/i18n/index.ts';
import { Connecting } from '../../../src/renderer/screens/Connecting.tsx';

const render = (failures: number, refused = false) =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n('fr') }, createElement(Connecting, { failures, refused }))).replace(/<[^>]+>/g, ' ');

/** Inside a bridge whose link main refused, for this reason (src/renderer/bridge/ws-client.ts). */
const renderRefused = (refusal: 'restarted' | 'no-token') => {
  const link = new LinkState();
  link.set('refused', 0, refusal);
  const bridge = { link, call: () => Promise.reject(new Error('unused')), on: () => () => undefined };
  const screen = createElement(BridgeProvider, { bridge, children: createElement(Connecting, { failures: 1, refused: true }) });
  return renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n('fr') }, screen)).replace(/<[^>]+>/g, ' ');
};

describe('the connecting screen', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says a spent one-time address was already used (browser mode redirects it to ?launch=spent), once the bridge refused', () => {
    vi.stubGlobal('location', { search: '?launch=spent' });
    expect(render(0)).toContain('Connexion à la cabine…');
    expect(render(1)).toContain('Cette adresse de la cabine a déjà servi.');
  });

  it('says the address was already used when main refuses the page’s token (a tab opened before npm start restarted)', () => {
    vi.stubGlobal('location', { search: '' });
    const text = render(0, true);
    expect(text).toContain('Cette adresse de la cabine a déjà servi.');
    expect(text).not.toContain('Connexion à la cabine…');
  });

  it('says the cabin restarted when main refuses a token of its earlier run (a tab left open across Ctrl-C and npm start)', () => {
    vi.stubGlobal('location', { search: '' });
    const text = renderRefused('restarted');
    expect(text).toContain('La cabine a redémarré. Ouvrez la nouvelle adresse affichée dans le terminal.');
    expect(text).not.toContain('a déjà servi');
    expect(renderRefused('no-token')).toContain('Cette adresse de la cabine a déjà servi.');
    // A spent address opened in a browser that still holds an earlier run's token: the address was used, first of all.
    vi.stubGlobal('location', { search: '?launch=spent' });
    expect(renderRefused('restarted')).toContain('Cette adresse de la cabine a déjà servi.');
  });

  it('says « connecting », then that the cabin does not answer, on any other address', () => {
    vi.stubGlobal('location', { search: '' });
    expect(render(1)).toContain('Connexion à la cabine…');
    expect(render(3)).toContain('La cabine ne répond pas.');
  });
});
