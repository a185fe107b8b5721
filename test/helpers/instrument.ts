import type { BrowserContext, Page } from 'playwright-core';
import type { Chain } from './chain.ts';

/** What the end-to-end tests install in both pages of a chain (test/e2e). */

/**
 * Installed in both pages before any script: every RTCPeerConnection the page makes is kept (for getStats), and
 * on the doctor's side every `cabin:observation` event and every change of a vital tile's value, with its time.
 */
export function instrument(): void {
  const w = window as unknown as {
    __pcs: RTCPeerConnection[];
    __obs: { id: string; code: string; value: number; receivedAt: number }[];
    __vitals: { key: string; value: string; at: number }[];
    __csp: string[];
  };
  w.__pcs = [];
  w.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  w.__obs = [];
  w.__vitals = [];
  const Native = window.RTCPeerConnection;
  class Kept extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      w.__pcs.push(this);
    }
  }
  window.RTCPeerConnection = Kept;
  window.addEventListener('cabin:observation', (e) => {
    const d = (e as CustomEvent<{ id: string; code: string; value: number; receivedAt: number }>).detail;
    w.__obs.push({ id: d.id, code: d.code, value: d.value, receivedAt: d.receivedAt });
  });
  const last = new Map<string, string>();
  const record = (el: Element): void => {
    const key = el.getAttribute('data-testid') ?? '';
    const value = el.getAttribute('data-value');
    if (!key.startsWith('vital-') || value === null || last.get(key) === value) return;
    last.set(key, value);
    w.__vitals.push({ key, value, at: Date.now() });
  };
  const start = (): void => {
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes') record(r.target as Element);
        for (const n of r.addedNodes) if (n instanceof Element) [n, ...n.querySelectorAll('[data-value]')].forEach(record);
      }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-value'] });
  };
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
}

export type Instrumented = { __csp: string[]; __pcs: RTCPeerConnection[]; __obs: { id: string; code: string; value: number; receivedAt: number }[]; __vitals: { key: string; value: string; at: number }[] };

/** The local candidate type of the selected pair of the page's newest connected peer connection. */
export async function selectedLocalType(page: Page): Promise<string | null> {
  return (await selectedLocal(page))?.candidateType ?? null;
}

/** The local candidate of the newest connected peer connection's selected pair: its type and, for a relay, how it reaches TURN. */
export function selectedLocal(page: Page): Promise<{ candidateType: string | null; relayProtocol: string | null } | null> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as Instrumented).__pcs.filter((p) => p.connectionState === 'connected');
    const pc = pcs.at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    let pairId: string | undefined;
    stats.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? (stats.get(pairId) as { localCandidateId?: string } | undefined) : undefined;
    const local = pair?.localCandidateId ? (stats.get(pair.localCandidateId) as { candidateType?: string; relayProtocol?: string } | undefined) : undefined;
    return local ? { candidateType: local.candidateType ?? null, relayProtocol: local.relayProtocol ?? null } : null;
  });
}

/** What either page's Content-Security-Policy refused (e.g. zod's `new Function` probe). */
export async function cspViolations(chain: Chain): Promise<{ cabin: string[]; doctor: string[] }> {
  const of = (p: Page) => p.evaluate(() => (window as unknown as Instrumented).__csp);
  return { cabin: await of(chain.cabinPage), doctor: await of(chain.doctorPage) };
}

/** CABIN_E2E_TRACE=1: every signaling message either page sends or gets is logged to its console (debugging). */
export function traceSignals(): void {
  const short = (raw: unknown): string | undefined => {
    if (typeof raw !== 'string' || !raw.includes('"pc"')) return undefined;
    try {
      const find = (o: unknown): Record<string, unknown> | undefined => {
        if (!o || typeof o !== 'object') return undefined;
        const r = o as Record<string, unknown>;
        if (typeof r.pc === 'string') return r;
        for (const v of Object.values(r)) {
          const f = find(v);
          if (f) return f;
        }
        return undefined;
      };
      const d = find(JSON.parse(raw));
      if (!d) return undefined;
      const desc = d.description as { type: string } | undefined;
      return `${String(d.pc).slice(0, 6)} ${d.hello ? 'hello ' : ''}${desc ? desc.type : ''}${d.candidate ? 'candidate' : ''}`;
    } catch {
      return undefined;
    }
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
    const m = short(data);
    if (m) console.debug(`trace ${Date.now() % 100_000} out ${m}`);
    return send.call(this, data);
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (e) => {
        const m = short(e.data);
        if (m) console.debug(`trace ${Date.now() % 100_000} in  ${m}`);
      });
    }
  };
}

export async function prepare(chain: Chain): Promise<void> {
  for (const c of [chain.cabinContext, chain.doctorContext] as BrowserContext[]) {
    await c.addInitScript(instrument);
    if (process.env.CABIN_E2E_TRACE) await c.addInitScript(traceSignals);
  }
  if (process.env.CABIN_E2E_TRACE) {
    for (const [who, p] of [
      ['cabin', chain.cabinPage],
      ['doctor', chain.doctorPage],
    ] as const)
      p.on('console', (m) => console.log(`${who} ${m.type()}: ${m.text()}`));
  }
}

