import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/chromium.ts';
import { printTable, writeResult } from './report.ts';

/**
 * Issue 3, "Performance (benchmark)": the kiosk as `npm start` runs it in browser mode, with the demo's simulated
 * devices. (1) Time from spawning start.ts to the `kiosk: ` line, and on to an interactive welcome screen in
 * Chromium (start button visible and enabled). (2) A visit is started and left on the oximeter step, streaming the
 * pleth, for N minutes: RSS of main (start.ts) and of the device host (its host-process.ts child), and of the
 * page's Chromium renderer (RSS, and its JS heap after a forced GC), sampled every 30 s. (3) Frame time of the
 * waveform view (requestAnimationFrame intervals over 5 s), at the start and at the end of the streaming.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SAMPLE_EVERY_S = 30;
/** Streaming before the first counted sample: start-up garbage, JIT and caches settle (sampled, not counted). */
const WARMUP_S = 60;
const FRAME_WINDOW_MS = 5000;
/** Memory growth (last − first) under this share of the first sample is "stable". */
const GROWTH_LIMIT_PCT = 10;
const SLOW_FRAME_MS = 20;
const MB = 1024 * 1024;

const round = (n: number, d = 1): number => Number(n.toFixed(d));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** VmRSS of a process in MB, or undefined when it is gone. */
function rssMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(safeRead(`/proc/${pid}/status`));
function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The device host: the child of main running host-process.ts. */
const findDeviceHost = (mainPid: number): number | undefined => childPids(mainPid).find((p) => cmdline(p).includes('host-process.ts'));

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface FrameStats {
  frames: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  slowSharePct: number;
  samplesDrawnBefore: number;
  samplesDrawnAfter: number;
  samplesPerS: number;
}

/** requestAnimationFrame intervals on the page for `ms`, and the pleth's drawn-sample counter before and after. */
async function measureFrames(page: Page, ms: number): Promise<FrameStats> {
  // A string, not a function: tsx's transform would add `__name` helpers the page does not have.
  const r = (await page.evaluate(`(async (windowMs) => {
    const canvas = document.querySelector('[data-testid="pleth"]');
    const before = Number(canvas?.dataset.samplesDrawn ?? NaN);
    const stamps = [];
    await new Promise((done) => {
      requestAnimationFrame(function frame(t) {
        stamps.push(t);
        if (t - stamps[0] < windowMs) requestAnimationFrame(frame);
        else done();
      });
    });
    const after = Number(canvas?.dataset.samplesDrawn ?? NaN);
    return { stamps, before, after, spanMs: stamps[stamps.length - 1] - stamps[0] };
  })(${ms})`)) as { stamps: number[]; before: number; after: number; spanMs: number };
  const intervals = r.stamps.slice(1).map((t, i) => t - r.stamps[i]!);
  const sorted = [...intervals].sort((a, b) => a - b);
  return {
    frames: intervals.length,
    p50Ms: round(percentile(sorted, 50), 2),
    p95Ms: round(percentile(sorted, 95), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    maxMs: round(sorted[sorted.length - 1] ?? NaN, 2),
    slowSharePct: round((100 * intervals.filter((i) => i > SLOW_FRAME_MS).length) / Math.max(1, intervals.length), 2),
    samplesDrawnBefore: r.before,
    samplesDrawnAfter: r.after,
    samplesPerS: round(((r.after - r.before) * 1000) / Math.max(1, r.spanMs), 1),
  };
}

/** The renderer of the page: of the browser's renderers, the one that burns the most CPU while the pleth draws. */
async function findRenderer(browserCdp: CDPSession): Promise<number | undefined> {
  type Info = { processInfo: { type: string; id: number; cpuTime: number }[] };
  const cpu = async (): Promise<Map<number, number>> => {
    const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as unknown as Info;
    return new Map(info.processInfo.filter((p) => p.type === 'renderer').map((p) => [p.id, p.cpuTime]));
  };
  const a = await cpu();
  await sleep(2000);
  const b = await cpu();
  let best: number | undefined;
  let most = -1;
  for (const [pid, t] of b) {
    const used = t - (a.get(pid) ?? 0);
    if (used > most) [best, most] = [pid, used];
  }
  return best;
}

interface Sample {
  /** Seconds since the pleth started drawing. */
  tS: number;
  warmUp: boolean;
  mainMB: number | undefined;
  hostMB: number | undefined;
  hostPid: number | undefined;
  rendererMB: number | undefined;
  rendererJsHeapMB: number;
  samplesDrawn: number;
  phase: string | null;
}

interface SeriesSummary {
  firstMB: number;
  lastMB: number;
  maxMB: number;
  growthMB: number;
  growthPct: number;
  secondHalfGrowthMB: number;
  verdict: 'stable' | 'GROWING' | 'no data';
}

function summarize(values: (number | undefined)[]): SeriesSummary {
  const v = values.filter((x): x is number => x !== undefined);
  if (v.length < 2) return { firstMB: NaN, lastMB: NaN, maxMB: NaN, growthMB: NaN, growthPct: NaN, secondHalfGrowthMB: NaN, verdict: 'no data' };
  const first = v[0]!;
  const last = v[v.length - 1]!;
  const mid = v[Math.floor((v.length - 1) / 2)]!;
  const growthPct = (100 * (last - first)) / first;
  return {
    firstMB: round(first),
    lastMB: round(last),
    maxMB: round(Math.max(...v)),
    growthMB: round(last - first),
    growthPct: round(growthPct),
    secondHalfGrowthMB: round(last - mid),
    verdict: growthPct < GROWTH_LIMIT_PCT ? 'stable' : 'GROWING',
  };
}

/** Spawns start.ts and resolves with the URL of its `kiosk: ` line; every output line is kept for diagnostics. */
function startMain(env: NodeJS.ProcessEnv, log: string[]): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/main/start.ts', '--no-browser'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "kiosk: " line within 60 s:\n${log.join('\n')}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line);
      if (line.startsWith('kiosk: ')) {
        clearTimeout(timer);
        ok(line.slice('kiosk: '.length).trim());
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => log.push(`stderr: ${line}`));
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`start.ts exited (${code ?? signal}) before the "kiosk: " line:\n${log.join('\n')}`));
    });
  });
  return { child, url };
}

/** SIGTERM, then wait for the exit (SIGKILL after 15 s); returns how the process ended. */
async function stopMain(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return `already exited (${child.exitCode ?? child.signalCode})`;
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(`exit ${code ?? signal}`)));
  child.kill('SIGTERM');
  const how = await Promise.race([exited, sleep(15_000).then(() => undefined)]);
  if (how) return how;
  child.kill('SIGKILL');
  return `killed after 15 s without exiting on SIGTERM (${await exited})`;
}

export async function benchKiosk(minutes = 30): Promise<boolean> {
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number (got ${minutes})`);
  const notes: string[] = [];
  // start.ts builds a missing renderer itself, which would count the build in the start time: build it first.
  const builtRenderer = !existsSync(join(ROOT, 'dist/renderer/index.html'));
  if (builtRenderer) {
    console.log('dist/renderer/index.html is missing: running `npm run build` first (not counted in the start time).');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
    notes.push('dist/renderer was missing and was built before the run (not counted).');
  }

  const dir = mkdtempSync(join(tmpdir(), 'cabin-bench-kiosk-'));
  const configFile = join(dir, 'cabin.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      demo: true,
      dataDir: join(dir, 'data'),
      web: { host: '127.0.0.1', port: 0 },
      devices: {
        simulate: [{ driver: 'contec-cms50-v7' }, { driver: 'omron-hem790it' }, { driver: 'welchallyn-suretemp' }, { driver: 'tanita-serial' }],
      },
    }),
  );
  const log: string[] = [];
  let main: ChildProcess | undefined;
  let browser: Browser | undefined;
  let hostPid: number | undefined;
  const pageErrors: string[] = [];
  try {
    // (1) Start time: spawn → `kiosk: ` line → Chromium → welcome screen with an enabled start button.
    const t0 = performance.now();
    const started = startMain({ ...process.env, CABIN_CONFIG: configFile }, log);
    main = started.child;
    const url = await started.url;
    const kioskLineMs = performance.now() - t0;
    browser = await launchChromium();
    const chromiumMs = performance.now() - t0;
    const chromiumVersion = browser.version();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    await context.grantPermissions(['camera', 'microphone'], { origin: new URL(url).origin });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      // The browser asks for /favicon.ico, which the kiosk does not serve.
      if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) pageErrors.push(msg.text());
    });
    await page.goto(url);
    const loadedMs = performance.now() - t0;
    const start = page.getByTestId('start');
    await start.waitFor({ state: 'visible' });
    while (!(await start.isEnabled())) await sleep(10);
    const welcomeMs = performance.now() - t0;
    const startup = {
      kioskLineMs: Math.round(kioskLineMs),
      chromiumLaunchedMs: Math.round(chromiumMs),
      pageLoadedMs: Math.round(loadedMs),
      interactiveWelcomeMs: Math.round(welcomeMs),
    };

    // (2) A visit on the oximeter step, the pleth streaming.
    await start.click();
    await page.getByTestId('accept').click();
    await page.getByTestId('step-oximeter').waitFor();
    const pleth = page.getByTestId('pleth');
    const drawn = async (): Promise<number> => Number(await pleth.getAttribute('data-samples-drawn'));
    const streamT0 = Date.now();
    while ((await drawn()) === 0) {
      if (Date.now() - streamT0 > 20_000) throw new Error('the pleth drew no sample within 20 s of the oximeter step');
      await sleep(100);
    }
    const streamingAt = Date.now();
    hostPid = findDeviceHost(main.pid!);
    if (!hostPid) notes.push('no host-process.ts child of main found: device host memory not measured.');

    const framesStart = await measureFrames(page, FRAME_WINDOW_MS);

    const browserCdp = await browser.newBrowserCDPSession();
    const pageCdp = await context.newCDPSession(page);
    await pageCdp.send('Performance.enable');
    let rendererPid = await findRenderer(browserCdp);
    if (!rendererPid) notes.push('renderer process not found: only its JS heap is reported.');
    const hostPids = new Set<number>();
    let idlePrompts = 0;

    // A touch on the step's title (no control there) keeps the visit from the idle prompt (90 s in the demo).
    const keepAlive = async (): Promise<void> => {
      if (await page.getByTestId('idle-prompt').isVisible()) {
        idlePrompts++;
        await page.getByTestId('idle-prompt').getByRole('button').click();
      }
      const box = await page.locator('.exam-header h1').boundingBox();
      if (box) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    };

    const samples: Sample[] = [];
    const memT0 = Date.now();
    const warmUps = Math.round(WARMUP_S / SAMPLE_EVERY_S);
    const total = warmUps + Math.round((minutes * 60) / SAMPLE_EVERY_S);
    console.log(
      `\nkiosk: streaming on the oximeter step for ${WARMUP_S} s of warm-up then ${minutes} min, memory every ${SAMPLE_EVERY_S} s (${total - warmUps + 1} samples counted)…`,
    );
    for (let i = 0; i <= total; i++) {
      const due = memT0 + i * SAMPLE_EVERY_S * 1000;
      while (Date.now() < due) {
        await sleep(Math.min(1000, due - Date.now()));
      }
      const host = findDeviceHost(main.pid!);
      if (host) hostPids.add(host);
      if (rendererPid && !alive(rendererPid)) {
        notes.push(`renderer ${rendererPid} went away at ${Math.round((Date.now() - memT0) / 1000)} s; looked for it again.`);
        rendererPid = await findRenderer(browserCdp);
      }
      await pageCdp.send('HeapProfiler.collectGarbage');
      const metrics = (await pageCdp.send('Performance.getMetrics')).metrics;
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
      const s: Sample = {
        tS: Math.round((Date.now() - streamingAt) / 1000),
        warmUp: i < warmUps,
        mainMB: rssMb(main.pid!),
        hostMB: host ? rssMb(host) : undefined,
        hostPid: host,
        rendererMB: rendererPid ? rssMb(rendererPid) : undefined,
        rendererJsHeapMB: heap / MB,
        samplesDrawn: await drawn(),
        phase: await page.locator('.kiosk').getAttribute('data-phase'),
      };
      samples.push(s);
      const f = (n: number | undefined): string => (n === undefined ? '—' : n.toFixed(1));
      console.log(
        `  ${String(s.tS).padStart(5)} s${s.warmUp ? ' (warm-up)' : '          '}  main ${f(s.mainMB)} MB  host ${f(s.hostMB)} MB  renderer ${f(s.rendererMB)} MB (JS heap ${f(s.rendererJsHeapMB)} MB)  samples drawn ${s.samplesDrawn}  ${s.phase}`,
      );
      if (s.phase !== 'exam') throw new Error(`the visit left the exam (phase ${s.phase}) at ${s.tS} s`);
      await keepAlive();
    }
    if (hostPids.size > 1) notes.push(`the device host was restarted during the run (pids ${[...hostPids].join(', ')}).`);
    if (idlePrompts > 0) notes.push(`the idle prompt showed ${idlePrompts} time(s) and was answered.`);

    const framesEnd = await measureFrames(page, FRAME_WINDOW_MS);
    const drawnAll = samples.map((s) => s.samplesDrawn);
    const counted = samples.filter((s) => !s.warmUp);
    const keptDrawing = drawnAll.every((n, i) => i === 0 || n > drawnAll[i - 1]!) && framesStart.samplesPerS > 0 && framesEnd.samplesPerS > 0;

    const memory = {
      main: summarize(counted.map((s) => s.mainMB)),
      deviceHost: summarize(counted.map((s) => s.hostMB)),
      rendererRss: summarize(counted.map((s) => s.rendererMB)),
      rendererJsHeap: summarize(counted.map((s) => s.rendererJsHeapMB)),
    };

    printTable('kiosk start (browser mode, demo devices), ms from spawning start.ts', [
      {
        '`kiosk:` line': startup.kioskLineMs,
        'Chromium up': startup.chromiumLaunchedMs,
        'page loaded': startup.pageLoadedMs,
        'interactive welcome': startup.interactiveWelcomeMs,
      },
    ]);
    const label: Record<keyof typeof memory, string> = {
      main: 'main (start.ts) RSS',
      deviceHost: 'device host RSS',
      rendererRss: 'renderer RSS',
      rendererJsHeap: 'renderer JS heap (after GC)',
    };
    printTable(
      `memory over ${minutes} min of streaming after ${WARMUP_S} s of warm-up, ${counted.length} samples every ${SAMPLE_EVERY_S} s (stable: last − first < ${GROWTH_LIMIT_PCT} % of first)`,
      (Object.keys(memory) as (keyof typeof memory)[]).map((k) => ({
        process: label[k],
        'first MB': memory[k].firstMB,
        'last MB': memory[k].lastMB,
        'max MB': memory[k].maxMB,
        'growth MB': memory[k].growthMB,
        'growth %': memory[k].growthPct,
        '2nd half MB': memory[k].secondHalfGrowthMB,
        verdict: memory[k].verdict,
      })),
    );
    printTable(`waveform view, requestAnimationFrame intervals over ${FRAME_WINDOW_MS / 1000} s`, [
      { when: 'streaming start', ...frameRow(framesStart) },
      { when: `after ${minutes} min`, ...frameRow(framesEnd) },
    ]);
    console.log(`pleth kept drawing through the run: ${keptDrawing ? 'yes' : 'NO'} (samples drawn ${drawnAll[0]} → ${drawnAll[drawnAll.length - 1]})`);
    if (pageErrors.length > 0) notes.push(`page errors: ${pageErrors.slice(0, 5).join(' | ')}`);

    await browser.close();
    browser = undefined;
    const mainExit = await stopMain(main);
    await sleep(500);
    const hostLeft = [...hostPids].filter(alive);
    if (hostLeft.length > 0) {
      notes.push(`device host ${hostLeft.join(', ')} still running after main exited: killed.`);
      for (const p of hostLeft) process.kill(p, 'SIGKILL');
    }
    for (const n of notes) console.log(`note: ${n}`);

    const stable = Object.values(memory).every((m) => m.verdict === 'stable');
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, chromium: chromiumVersion },
      minutes,
      builtRendererFirst: builtRenderer,
      startup,
      memory: {
        sampleEveryS: SAMPLE_EVERY_S,
        warmUpS: WARMUP_S,
        summaries: 'first/last/max over the samples after the warm-up; growth = last − first; secondHalfGrowthMB = last − middle sample',
        stableIfGrowthBelowPct: GROWTH_LIMIT_PCT,
        rendererPid,
        rendererMeasure: 'renderer RSS from /proc/<pid>/status (the page renderer: the busiest of the browser renderers, from CDP SystemInfo.getProcessInfo); JS heap = CDP Performance.getMetrics JSHeapUsedSize after HeapProfiler.collectGarbage',
        hostPids: [...hostPids],
        ...memory,
        samples: samples.map((s) => ({
          ...s,
          mainMB: s.mainMB === undefined ? null : round(s.mainMB),
          hostMB: s.hostMB === undefined ? null : round(s.hostMB),
          rendererMB: s.rendererMB === undefined ? null : round(s.rendererMB),
          rendererJsHeapMB: round(s.rendererJsHeapMB, 2),
        })),
      },
      frames: { windowMs: FRAME_WINDOW_MS, slowFrameMs: SLOW_FRAME_MS, start: framesStart, end: framesEnd },
      plethKeptDrawing: keptDrawing,
      mainExit,
      notes,
    };
    console.log(`wrote ${writeResult('kiosk', result)}`);
    return stable && keptDrawing;
  } catch (err) {
    if (log.length > 0) console.error(`start.ts output:\n${log.slice(-30).join('\n')}`);
    if (pageErrors.length > 0) console.error(`page errors:\n${pageErrors.join('\n')}`);
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    if (main) await stopMain(main);
    if (hostPid && alive(hostPid)) process.kill(hostPid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function frameRow(f: FrameStats): Record<string, number> {
  return {
    frames: f.frames,
    'p50 ms': f.p50Ms,
    'p95 ms': f.p95Ms,
    'p99 ms': f.p99Ms,
    'max ms': f.maxMs,
    [`> ${SLOW_FRAME_MS} ms %`]: f.slowSharePct,
    'pleth samples/s': f.samplesPerS,
  };
}

