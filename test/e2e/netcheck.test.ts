import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnCredential } from '../../src/hub/secrets.ts';
import type { NetCheck } from '../../src/shared/netcheck.ts';
import type { PathResult } from '../../src/renderer/netcheck/probe.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startImpairRelay, type Impairment, type ImpairRelay } from '../helpers/impair.ts';
import { startTurn, type Turn } from '../helpers/turn.ts';

/**
 * The pre-call check in real Chromium, through coturn behind the poor-network relay (test/helpers/impair.ts), at the
 * issue's cases: each must give its verdict. The page runs the kiosk's own module (src/renderer/netcheck/measure.ts,
 * bundled as is); the hub's half (its round trip, measured by cabin main) is given as answered, or as unreachable.
 */

const MEASURE = fileURLToPath(new URL('../../src/renderer/netcheck/measure.ts', import.meta.url));

interface Outcome {
  check: NetCheck;
  path: PathResult | null;
}

describe('pre-call network check through TURN and the poor-network relay', () => {
  let turn: Turn;
  let browser: Browser;
  let page: Page;
  let script: string;
  const relays: ImpairRelay[] = [];

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [MEASURE], bundle: true, format: 'iife', globalName: 'NetCheck', write: false, platform: 'browser', target: 'es2022' });
    script = bundle.outputFiles[0]!.text;
    turn = await startTurn({ tls: true });
    // Its self-signed TLS certificate is trusted by its key only (Chromium checks a TURN server's certificate).
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${turn.tlsSpki}`]);
    page = await browser.newPage();
    await page.setContent('<!doctype html><title>netcheck</title>');
    await page.addScriptTag({ content: script });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    for (const r of relays) await r.close();
    await turn?.stop();
  });

  const servers = (urls: string[]) => {
    const cred = turnCredential(turn.secret, Math.floor(Date.now() / 1000) + 300, 'probe-cabin-1');
    return [{ urls, ...cred }];
  };

  async function run(urls: string[], hub: { rttMs: number; lossPct: number } | null): Promise<Outcome> {
    return page.evaluate(
      ([iceServers, hub]) => (window as unknown as { NetCheck: { measureNetCheck: (s: unknown) => Promise<Outcome> } }).NetCheck.measureNetCheck({ hub, iceServers }),
      [servers(urls), hub] as const,
    );
  }

  async function through(imp: Impairment): Promise<Outcome> {
    const relay = await startImpairRelay({ host: '127.0.0.1', port: turn.port }, imp);
    relays.push(relay);
    const out = await run([relay.url], { rttMs: 20, lossPct: 0 });
    console.log(`netcheck ${JSON.stringify(imp)}: ${JSON.stringify(out.check)} ${JSON.stringify(out.path?.detail)}; relay lost ${relay.stats.lost}, queue drops ${relay.stats.queueDrops}`);
    return out;
  }

  it('loopback (coturn alone): good', async () => {
    const { check } = await run([turn.url], { rttMs: 2, lossPct: 0 });
    console.log(`netcheck loopback: ${JSON.stringify(check)}`);
    expect(check.turn).toEqual({ udp: true, tcp: null, tls: null });
    expect(check.verdict).toBe('good');
  }, 30_000);

  it('256 kbit/s, 75 ± 15 ms and 2.5 % per leg (300 ms, 5 % end to end): video will be reduced', async () => {
    const { check } = await through({ delayMs: 75, jitterMs: 15, lossPct: 2.5, kbps: 256 });
    expect(check.pathRttMs).toBeGreaterThan(250);
    expect(check.verdict).toBe('reduced');
  }, 30_000);

  it('128 kbit/s, 150 ± 30 ms and 5 % per leg (600 ms, 10 % end to end): sound and readings only', async () => {
    const { check } = await through({ delayMs: 150, jitterMs: 30, lossPct: 5, kbps: 128 });
    expect(check.pathRttMs).toBeGreaterThan(500);
    expect(check.verdict).toBe('audio-only');
  }, 30_000);

  it('no TURN reachable (nothing listens, UDP and TCP): offline', async () => {
    const { check } = await run(['turn:127.0.0.1:9?transport=udp', 'turn:127.0.0.1:9?transport=tcp'], { rttMs: 2, lossPct: 0 });
    expect(check.turn).toEqual({ udp: false, tcp: false, tls: null });
    expect(check.verdict).toBe('offline');
  }, 30_000);

  it('UDP, TCP and TLS each probed: all three answer', async () => {
    const { check } = await run([turn.url, turn.tcpUrl, turn.tlsUrl!], { rttMs: 2, lossPct: 0 });
    expect(check.turn).toEqual({ udp: true, tcp: true, tls: true });
    expect(check.verdict).toBe('good');
  }, 30_000);

  it('a network that blocks UDP: TCP and TLS answer, the cabin can still call', async () => {
    const { check } = await run(['turn:127.0.0.1:9?transport=udp', turn.tcpUrl, turn.tlsUrl!], { rttMs: 2, lossPct: 0 });
    expect(check.turn).toEqual({ udp: false, tcp: true, tls: true });
    expect(check.verdict).not.toBe('offline');
  }, 30_000);

  it('a TURN server whose TLS certificate is not trusted: TLS reported as not reachable', async () => {
    const untrusted = await startTurn({ tls: true });
    try {
      const { check } = await run([turn.url, untrusted.tlsUrl!], { rttMs: 2, lossPct: 0 });
      expect(check.turn).toEqual({ udp: true, tcp: null, tls: false });
    } finally {
      await untrusted.stop();
    }
  }, 30_000);

  it('hub unreachable: offline, even with TURN answering', async () => {
    const { check } = await run([turn.url], null);
    expect(check.turn.udp).toBe(true);
    expect(check.verdict).toBe('offline');
  }, 30_000);
});
