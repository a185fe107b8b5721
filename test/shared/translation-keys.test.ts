import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenKeys } from '../../src/browser/i18n.ts';
import { TRANSLATIONS as CONSOLE } from '../../src/doctor/i18n/index.ts';
import { TRANSLATIONS as KIOSK } from '../../src/renderer/i18n/index.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Keys written out in the code: t('a.b'), spoken('a.b'), i18nKey: 'a.b' (templates with ${…} are checked elsewhere). */
function literalKeys(dir: string): { file: string; key: string }[] {
  const out: { file: string; key: string }[] = [];
  for (const file of sources(dir)) {
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/\b(?:t|spoken|say)\(\s*['"]([a-zA-Z][\w-]*(?:\.[\w\-[\]/%]+)+)['"]/g)) out.push({ file, key: m[1]! });
  }
  return out;
}

/** i18next's plural keys: `a.b` resolves through `a.b_one`, `a.b_other`. */
const has = (keys: Map<string, unknown>, key: string) => keys.has(key) || keys.has(`${key}_other`);

describe('every key the code asks for is in the translations (no raw key on screen)', () => {
  it('the kiosk', () => {
    const fr = flattenKeys(KIOSK.fr);
    const used = literalKeys('src/renderer');
    expect(used.length).toBeGreaterThan(80);
    const missing = used.filter(({ key }) => !has(fr, key));
    expect(missing).toEqual([]);
  });

  it('the doctor console', () => {
    const fr = flattenKeys(CONSOLE.fr);
    const used = literalKeys('src/doctor');
    expect(used.length).toBeGreaterThan(80);
    const missing = used.filter(({ key }) => !has(fr, key));
    expect(missing).toEqual([]);
  });
});
