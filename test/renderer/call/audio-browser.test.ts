import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/chromium.ts';
import { COPY_OFFSETS_MS } from '../../../src/shared/audio-readings.ts';
import type { start } from './audio-harness.ts';

/**
 * Readings in the voice's packets in real Chromium: the worker of src/browser/audio-readings-worker.ts behind
 * RTCRtpScriptTransform on the cabin's sender and the doctor's receiver, a tone as the voice.
 */
type Harness = Awaited<ReturnType<typeof start>>;
declare global {
  interface Window {
    audioHarness: { start: typeof start };
    a: Harness;
  }
}

describe('readings in the voice packets, in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const bundle = async (file: string, format: 'iife' | 'esm') =>
      (await build({ entryPoints: [join(import.meta.dirname, file)], bundle: true, format, write: false, platform: 'browser', target: 'chrome120', logLevel: 'silent' })).outputFiles[0]!.text;
    const harness = await bundle('audio-harness.ts', 'iife');
    const worker = await bundle('../../../src/browser/audio-readings-worker.ts', 'esm');
    server = createServer((req, res) => {
      if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(harness);
      else if (req.url === '/carrier.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/harness.js"></script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required']);
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.evaluate(async () => {
      window.a = await window.audioHarness.start('/carrier.js');
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  const until = async (fn: () => Promise<boolean>, what: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await fn()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; page errors: ${errors.join(' | ')}`);
  };

  it('carries nothing before the console says it strips, then every reading, and the voice still decodes cleanly', async () => {
    await until(() => page.evaluate(() => window.a.connected() && window.a.ready), 'connected, the doctor receiver transformed');
    // Not ready: the readings stay on the data channels only.
    await page.evaluate(() => window.a.send('early'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.evaluate(() => window.a.received.length)).toBe(0);
    // The voice went through the transform when its sender was made (the worker ran): untouched until caps.
    expect(await page.evaluate(() => window.a.transformed())).toBe(true);
    await page.evaluate(() => window.a.setReady(true));
    const before = await page.evaluate(() => window.a.inbound());
    for (let i = 0; i < 20; i++) {
      await page.evaluate((k) => window.a.send(`r${k}`), i);
      await new Promise((r) => setTimeout(r, 40));
    }
    await until(() => page.evaluate(() => new Set(window.a.received).size >= 20), 'the 20 readings at the doctor');
    await new Promise((r) => setTimeout(r, 1500));
    const after = await page.evaluate(() => window.a.inbound());
    const ids = await page.evaluate(() => window.a.received);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 20 }, (_, k) => `r${k}`)));
    // Four copies each (the console keeps the first): up to 80 arrive here.
    expect(ids.length).toBeGreaterThanOrEqual(20);
    expect(ids.length).toBeLessThanOrEqual(20 * COPY_OFFSETS_MS.length);
    // The decoder got Opus only: audio kept flowing, with sound, and no more than a trace concealed.
    const samples = after.samples - before.samples;
    expect(after.packets - before.packets).toBeGreaterThan(50);
    expect(samples).toBeGreaterThan(48_000);
    // (A loaded machine conceals some on loopback too: 8 % seen with CI running beside; a decoder fed frames it
    // cannot read conceals far more. The byte-exact round trip is in test/shared/audio-readings.test.ts.)
    expect((after.concealed - before.concealed) / samples).toBeLessThan(0.25);
    expect(after.energy - before.energy).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.a.stats.audioReadings)).toBe(20);
    expect(errors).toEqual([]);
  }, 40_000);
});
