import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { Pleth } from '../../src/browser/Pleth.tsx';

// Drawing needs a real canvas and animation frames: the kiosk and console browser tests watch the trace move.
describe('Pleth (kiosk and console alike)', () => {
  it('renders one labelled canvas a test can find, with nothing drawn yet and no subscription before mount', () => {
    const subscribe = vi.fn(() => () => {});
    const html = renderToStaticMarkup(createElement(Pleth, { subscribe, label: 'Onde de pouls', windowS: 5, line: '#000', lineWidth: 2 }));
    expect(html).toBe('<canvas class="pleth" data-testid="pleth" data-samples-drawn="0" role="img" aria-label="Onde de pouls"></canvas>');
    expect(subscribe).not.toHaveBeenCalled();
  });
});
