import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis.ts';
import { Client, cabinToken, startHub, type TestHub } from './helpers.ts';

const CONFIG = resolve('resources/hub/haproxy.cfg');

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let t: TestHub;
let lb: ChildProcess;
let lbUrl: string;
let lbLog = '';

beforeAll(async () => {
  t = await startHub();
  const port = await freePort();
  lbUrl = `http://127.0.0.1:${port}`;
  // Node a is this test's hub; b and c are addresses where nothing listens (nodes down): their checks fail.
  const env = { ...process.env, CABIN_LB_BIND: `127.0.0.1:${port}`, CABIN_HUB_A: new URL(t.hub.url).host, CABIN_HUB_B: `127.0.0.1:${await freePort()}`, CABIN_HUB_C: `127.0.0.1:${await freePort()}` };
  lb = spawn('haproxy', ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  lb.stdout!.on('data', (d: Buffer) => (lbLog = (lbLog + d.toString()).slice(-20_000)));
  lb.stderr!.on('data', (d: Buffer) => (lbLog = (lbLog + d.toString()).slice(-20_000)));
  await until(async () => (await fetch(`${lbUrl}/healthz`)).status === 200, 15_000);
}, 30_000);

afterAll(async () => {
  lb?.kill('SIGKILL');
  await t?.close();
});

describe('the sample HAProxy configuration (resources/hub/haproxy.cfg) in front of hub nodes', () => {
  it('is valid for haproxy -c', async () => {
    const check = spawn('haproxy', ['-c', '-f', CONFIG], { env: { ...process.env, CABIN_LB_BIND: '127.0.0.1:1', CABIN_HUB_A: '127.0.0.1:2', CABIN_HUB_B: '127.0.0.1:3', CABIN_HUB_C: '127.0.0.1:4' } });
    const code = await new Promise<number | null>((r) => check.once('exit', r));
    expect(code).toBe(0);
  });

  it('carries a cabin’s login and WebSocket to the node that is up, and a consultation request through it', async () => {
    const token = await cabinToken({ ...t, hub: { ...t.hub, url: lbUrl } }, 'cab-1');
    const cabin = await Client.open(`${lbUrl.replace('http', 'ws')}/ws`, token);
    expect((await cabin.next('hello')).id).toBe('cab-1');
    cabin.send({ type: 'request', ref: 'r1', language: 'fr' });
    expect((await cabin.next('consultation', (m) => m.ref === 'r1')).consultation.state).toBe('waiting');
    await cabin.close();
  });

  it('keeps /metrics inside (404 through the proxy)', async () => {
    expect((await fetch(`${lbUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${t.hub.url}/metrics`)).status).toBe(200);
  });

  it('takes a node out when its /readyz fails: with no node ready, the proxy answers 503 itself', async () => {
    await t.hub.store.close(); // the node's database fails: /readyz says 503
    expect((await fetch(`${t.hub.url}/readyz`)).status).toBe(503);
    await until(async () => (await fetch(`${lbUrl}/healthz`)).status === 503, 15_000);
    expect(lbLog).toMatch(/Server hub_nodes\/a is DOWN/);
  }, 30_000);
});
