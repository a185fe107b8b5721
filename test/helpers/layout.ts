import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * Layout checks for a screen as a user sees it, shared by the kiosk and console e2e tests. Each returns a list
 * of readable problems (empty when the screen is right), so `expect(await layoutProblems(page)).toEqual([])`
 * names every fault at once.
 */

export interface LayoutOptions {
  /** The smallest touch target, in CSS pixels (both sides); 0 skips the check. */
  minTarget?: number;
  /** What counts as a target (buttons, links, checkbox rows…). */
  targets?: string;
  /** The smallest visible text, in CSS pixels; 0 skips the check. */
  minFontPx?: number;
  /** Containers whose content may scroll (e.g. a long assistant list): what is cut by them is not reported. */
  scrollable?: string;
  /**
   * Targets inside `scrollable` may scroll out of view too (a long list of controls, e.g. the assistant's devices).
   * Off by default: a target is checked whole even in a scrolling container (a primary action must never need a scroll).
   */
  targetsMayScroll?: boolean;
  /** Elements left out of every check (with their content). */
  ignore?: string;
  /**
   * The tallest horizontal band with nothing in it (no text, picture, video or control), as a fraction of the
   * viewport's height; undefined skips the check. Catches a portrait screen laid out for landscape.
   */
  maxEmptyBand?: number;
}

const DEFAULT_TARGETS = 'button, a[href], [role="button"], select, label.check, input:not(label input):not([type="hidden"])';

/**
 * What is wrong with the page's layout at its current size:
 * - `off screen`: a visible element's box goes past the viewport;
 * - `cut`: a visible element is partly hidden by an ancestor that clips its overflow (hidden, clip, auto, scroll),
 *   so the user would have to scroll or could never see it (the primary action below the fold). A target (button…)
 *   counts even inside a container allowed to scroll (`scrollable`, unless `targetsMayScroll`): a control must never need scrolling to be seen
 *   whole, since a half-hidden button with no scroll cue looks like the end of the screen;
 * - `clipped`: an element that does not show its overflow holds more than it shows (text cut mid-sentence);
 * - `spills`: an element's content overflows its box (text over its neighbours);
 * - `small target`: a visible target under `minTarget` px on a side;
 * - `small text`: visible text under `minFontPx`.
 * Hidden elements (display: none, visibility: hidden, zero size, screen-reader-only 1 px boxes) are left out.
 */
export async function layoutProblems(page: Page, opts: LayoutOptions = {}): Promise<string[]> {
  const args = {
    minTarget: opts.minTarget ?? 64,
    targets: opts.targets ?? DEFAULT_TARGETS,
    minFontPx: opts.minFontPx ?? 0,
    scrollable: opts.scrollable ?? '',
    ignore: opts.ignore ?? '',
    targetsMayScroll: opts.targetsMayScroll ?? false,
    maxEmptyBand: opts.maxEmptyBand ?? 0,
  };
  return page.evaluate((a) => {
    const TOL = 1;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const problems: string[] = [];
    const name = (el: Element): string => {
      const id = el.getAttribute('data-testid') ?? el.id;
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls}${text ? ` "${text}"` : ''}`;
    };
    const box = (r: DOMRect): string => `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`;
    const hidden = (el: Element): boolean => {
      if (a.ignore && el.closest(a.ignore)) return true;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || cs.display === 'contents') return true;
      if (!(el as HTMLElement).checkVisibility?.({ opacityProperty: true, visibilityProperty: true })) return true;
      const r = el.getBoundingClientRect();
      return r.width <= 1 || r.height <= 1;
    };
    const clips = (cs: CSSStyleDeclaration): boolean => cs.overflowX !== 'visible' || cs.overflowY !== 'visible';

    // The area an element can be seen in: the viewport cut by each ancestor that clips it (CSS containing blocks).
    // `strict`: every clipping ancestor counts, those allowed to scroll too (for targets).
    const visibleArea = (el: Element, strict = false): { rect: DOMRect; by: Element | null } => {
      let left = 0;
      let top = 0;
      let right = vw;
      let bottom = vh;
      let by: Element | null = null;
      let position = getComputedStyle(el).position;
      for (let p = el.parentElement; p && p !== document.documentElement && position !== 'fixed'; p = p.parentElement) {
        const cs = getComputedStyle(p);
        const isBlock = position !== 'absolute' || cs.position !== 'static' || cs.transform !== 'none';
        if (!isBlock) continue;
        if (clips(cs) && (strict || !(a.scrollable && p.matches(a.scrollable)))) {
          const r = p.getBoundingClientRect();
          const next = [Math.max(left, r.left), Math.max(top, r.top), Math.min(right, r.right), Math.min(bottom, r.bottom)] as const;
          if (next[0] > left || next[1] > top || next[2] < right || next[3] < bottom) by = p;
          [left, top, right, bottom] = next;
        }
        position = cs.position;
      }
      return { rect: new DOMRect(left, top, right - left, bottom - top), by };
    };

    const all = [...document.body.querySelectorAll('*')].filter((el) => !hidden(el));
    for (const el of all) {
      const isTarget = !a.targetsMayScroll && el.matches(a.targets);
      // Inside a container allowed to scroll, out of view is expected, except for a target (it must be seen whole).
      if (a.scrollable && el.parentElement?.closest(a.scrollable) && !isTarget) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -TOL || r.top < -TOL || r.right > vw + TOL || r.bottom > vh + TOL) {
        problems.push(`off screen: ${name(el)} at ${box(r)} (viewport ${vw}×${vh})`);
        continue;
      }
      const area = visibleArea(el, isTarget);
      const v = area.rect;
      if (r.left < v.left - TOL || r.top < v.top - TOL || r.right > v.right + TOL || r.bottom > v.bottom + TOL) {
        problems.push(`cut: ${name(el)} at ${box(r)} by ${area.by ? name(area.by).slice(0, 60) : 'the viewport'} (${box(v)})`);
      }
    }
    for (const el of all) {
      if (el instanceof SVGElement || el.tagName === 'CANVAS' || el.tagName === 'VIDEO') continue;
      const cs = getComputedStyle(el);
      const h = el as HTMLElement;
      const overX = h.scrollWidth - h.clientWidth;
      const overY = h.scrollHeight - h.clientHeight;
      if (overX <= TOL && overY <= TOL) continue;
      if (clips(cs)) {
        if (a.scrollable && el.matches(a.scrollable)) continue;
        problems.push(`clipped: ${name(el)} shows ${h.clientWidth}×${h.clientHeight} of ${h.scrollWidth}×${h.scrollHeight} (overflow ${cs.overflowX}/${cs.overflowY})`);
      } else if (cs.display !== 'inline' && h.clientWidth > 0) {
        problems.push(`spills: ${name(el)} holds ${h.scrollWidth}×${h.scrollHeight} in ${h.clientWidth}×${h.clientHeight}`);
      }
    }
    if (a.minTarget > 0) {
      for (const el of all.filter((e) => e.matches(a.targets))) {
        const r = el.getBoundingClientRect();
        if (r.width < a.minTarget - 0.5 || r.height < a.minTarget - 0.5) problems.push(`small target: ${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    if (a.minFontPx > 0) {
      for (const el of all) {
        const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
        // An icon's text (e.g. a flag's letter) is drawn at the SVG's scale, not its font size.
        if (!ownText || el instanceof SVGElement) continue;
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px < a.minFontPx - 0.1) problems.push(`small text: ${name(el)} ${px}px`);
      }
    }
    if (a.maxEmptyBand > 0) {
      // What fills the screen: text, pictures, videos and controls (a background or a frame alone does not).
      const filled = all
        .filter(
          (el) =>
            el.matches('img, canvas, video, button, input, select, textarea, svg:not(svg *)') ||
            [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== ''),
        )
        .map((el) => el.getBoundingClientRect())
        .sort((x, y) => x.top - y.top);
      let reached = 0;
      let band = { top: 0, height: 0 };
      for (const r of [...filled, new DOMRect(0, vh, 0, 0)]) {
        if (r.top - reached > band.height) band = { top: reached, height: r.top - reached };
        reached = Math.max(reached, r.bottom);
      }
      if (band.height > a.maxEmptyBand * vh) {
        problems.push(`empty band: ${Math.round(band.height)} px (${Math.round((100 * band.height) / vh)} % of the height) from y=${Math.round(band.top)} with nothing in it`);
      }
    }
    return problems;
  }, args);
}

/** The axe violations of impact critical or serious on the page, one line each (rule, impact, where, why). */
export async function accessibilityProblems(page: Page, opts: { exclude?: string[] } = {}): Promise<string[]> {
  let builder = new AxeBuilder({ page });
  for (const sel of opts.exclude ?? []) builder = builder.exclude(sel);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ').slice(0, 200) ?? v.help}`),
    );
}
