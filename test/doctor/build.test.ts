import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const out = mkdtempSync(path.join(tmpdir(), 'doctor-build-'));

describe('doctor console build', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds, and its index.html has no inline script (the hub CSP forbids inline scripts)', async () => {
    await build({ configFile: path.join(ROOT, 'src/doctor/vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const assets = readdirSync(path.join(out, 'assets'));
    expect(assets.some((f) => f.endsWith('.js'))).toBe(true);
    expect(assets.some((f) => f.endsWith('.css'))).toBe(true);
    // zod must not probe `new Function` under the CSP: the bundle turns its JIT off before any schema is built.
    const js = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(out, 'assets', f), 'utf8')).join('\n');
    expect(js).toMatch(/jitless:\s*(!0|true)/);
  }, 60_000);
});
