import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { doctorAccepts, doctorLogin, startChain, type Chain, type ChainOptions } from '../test/helpers/chain.ts';

/**
 * A live consultation for the issue-4 benchmarks: the e2e chain (hub, kiosk host with simulated devices, one
 * Chromium with the kiosk page and the doctor console), page hooks installed before either page loads, the
 * doctor logged in, the patient's request accepted, and the call carrying observations.
 */

export interface CallOptions extends ChainOptions {
  /** Scripts run in the kiosk page / the doctor page before the app's own code (strings: see `evaluate`). */
  cabinInit?: string;
  doctorInit?: string;
  /** How long to wait for the first observation to reach the doctor's page. */
  connectTimeoutMs?: number;
}

/** Every `cabin:observation` the doctor console dispatches, kept in `window.__benchObs`. */
export const COLLECT_OBSERVATIONS = `(() => {
  window.__benchObs = [];
  window.addEventListener('cabin:observation', (e) => {
    const d = e.detail || {};
    window.__benchObs.push({ id: d.id, code: d.code, t: d.t, receivedAt: d.receivedAt, wall: Date.now() });
  });
})();`;

/** Keeps every RTCPeerConnection the page makes in `window.__benchPcs`, for getStats. */
export const CATCH_PEERS = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  window.__benchPcs = [];
  class Caught extends Native {
    constructor(...args) { super(...args); window.__benchPcs.push(this); }
  }
  window.RTCPeerConnection = Caught;
})();`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a string in the page. Strings, not functions: tsx's transform adds `__name` helpers to functions,
 * which the page does not have.
 */
export function evaluate<T>(page: Chain['doctorPage'], script: string): Promise<T> {
  return page.evaluate(script) as Promise<T>;
}

/**
 * test/helpers/chain.ts's patientStarts, except that the kiosk's extra query survives: the launch URL's one-time
 * code answers with a redirect to a bare `/` (src/main/web/host.ts), which drops `debug=1`; the page is opened again
 * with the query once the bridge cookie is set.
 */
async function patientStarts(chain: Chain, query: string | undefined): Promise<void> {
  const p = chain.cabinPage;
  await p.goto(chain.kioskUrl());
  if (query) await p.goto(`${new URL(chain.kiosk.url).origin}/?${query}`);
  await p.getByTestId('start').click();
  await p.getByTestId('accept').click();
}

/** The two apps, built by a child process (see build-apps.ts) into a temporary folder removed at exit. */
function buildAppsAside(): { rendererDir: string; doctorDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cabin-bench-apps-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const root = resolve(import.meta.dirname, '..');
  const r = spawnSync(process.execPath, [join(root, 'bin/run-ts.mjs'), join(root, 'bench/build-apps.ts'), dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`building the apps failed (exit ${r.status ?? r.signal})`);
  return { rendererDir: join(dir, 'renderer'), doctorDir: join(dir, 'doctor') };
}

/** Starts the chain and the call; the caller must `close()` the chain it gets. */
export async function startCall(opts: CallOptions = {}): Promise<Chain> {
  const chain = await startChain({ ...opts, apps: opts.apps ?? buildAppsAside() });
  try {
    await chain.doctorPage.addInitScript({ content: `${COLLECT_OBSERVATIONS}\n${opts.doctorInit ?? ''}` });
    if (opts.cabinInit) await chain.cabinPage.addInitScript({ content: opts.cabinInit });
    await doctorLogin(chain);
    await patientStarts(chain, opts.kioskQuery);
    await doctorAccepts(chain);
    const deadline = Date.now() + (opts.connectTimeoutMs ?? 60_000);
    while ((await evaluate<number>(chain.doctorPage, 'window.__benchObs.length')) === 0) {
      if (Date.now() > deadline) {
        const conn = await evaluate<string>(
          chain.doctorPage,
          `(() => { const c = document.querySelector('[data-testid="connection-state"]'); return c ? JSON.stringify(c.dataset) : 'no connection-state'; })()`,
        ).catch((e: Error) => e.message);
        throw new Error(
          `No observation reached the doctor's page within ${(opts.connectTimeoutMs ?? 60_000) / 1000} s (connection ${conn}; ` +
            `${chain.readings.length} readings emitted by the cabin; page errors: ${chain.pageErrors.slice(0, 5).join(' | ') || 'none'}).`,
        );
      }
      await sleep(250);
    }
    return chain;
  } catch (err) {
    await chain.close();
    throw err;
  }
}

/**
 * Offset of the page's clock (`performance.timeOrigin + performance.now()`) against Node's `Date.now()`, from the
 * round trip with the smallest RTT of `tries`: page − node, with ± half that RTT as its uncertainty.
 */
export async function clockOffset(page: Chain['doctorPage'], tries = 20): Promise<{ offsetMs: number; uncertaintyMs: number; pageWallMinusPerfMs: number }> {
  let best = { offsetMs: NaN, uncertaintyMs: Infinity, pageWallMinusPerfMs: NaN };
  for (let i = 0; i < tries; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const r = await evaluate<{ perf: number; wall: number }>(page, `({ perf: performance.timeOrigin + performance.now(), wall: Date.now() })`);
    const t1 = performance.timeOrigin + performance.now();
    const half = (t1 - t0) / 2;
    // Node's own timeOrigin+now and Date.now() agree to a few µs; the device host stamps with Date.now().
    const nodeMid = (t0 + t1) / 2 + (Date.now() - (performance.timeOrigin + performance.now()));
    if (half < best.uncertaintyMs) best = { offsetMs: r.perf - nodeMid, uncertaintyMs: half, pageWallMinusPerfMs: r.wall - r.perf };
  }
  return best;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (n: number, d = 1): number => Number(n.toFixed(d));

/** The machine's load while a benchmark ran (other work on a shared machine shows in the tails). */
export function machineLoad(): { cpus: number; loadAvg1m: number } {
  return { cpus: availableParallelism(), loadAvg1m: round(loadavg()[0] ?? NaN, 2) };
}
