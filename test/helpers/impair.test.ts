import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startImpairRelay, type ImpairRelay } from './impair.ts';

/** The poor-network relay the end-to-end tests rely on must itself do what it says. */

let echo: Socket | undefined;
let relay: ImpairRelay | undefined;
let client: Socket | undefined;
afterEach(async () => {
  await relay?.close();
  for (const s of [echo, client]) if (s) await new Promise<void>((r) => s.close(() => r()));
  echo = relay = client = undefined;
});

async function setup(imp: Parameters<typeof startImpairRelay>[1]): Promise<{ send: (i: number, size?: number) => void; got: Map<number, number>; sentAt: Map<number, number> }> {
  echo = createSocket('udp4');
  const e = echo;
  e.on('message', (m, from) => e.send(m, from.port, from.address));
  await new Promise<void>((r) => e.bind(0, '127.0.0.1', r));
  relay = await startImpairRelay({ host: '127.0.0.1', port: e.address().port }, imp);
  client = createSocket('udp4');
  const got = new Map<number, number>();
  const sentAt = new Map<number, number>();
  client.on('message', (m) => got.set(m.readUInt32BE(0), performance.now()));
  await new Promise<void>((r) => client!.bind(0, '127.0.0.1', r));
  const c = client;
  const port = relay.port;
  return {
    got,
    sentAt,
    send: (i, size = 100) => {
      const b = Buffer.alloc(size);
      b.writeUInt32BE(i, 0);
      sentAt.set(i, performance.now());
      c.send(b, port, '127.0.0.1');
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('UDP impairment relay', () => {
  it('adds the delay each way (round trip ≥ 2 × delay) and forwards everything without loss', async () => {
    const s = await setup({ delayMs: 30 });
    for (let i = 0; i < 20; i++) s.send(i);
    await expect.poll(() => s.got.size, { timeout: 3000 }).toBe(20);
    for (const [i, at] of s.got) expect(at - s.sentAt.get(i)!).toBeGreaterThanOrEqual(59);
    expect(relay!.stats).toMatchObject({ lost: 0, queueDrops: 0, forwarded: 40 });
  });

  it('drops the configured share each way (deterministic random)', async () => {
    let x = 1;
    // A small LCG: repeatable, spread over [0, 1).
    const random = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const s = await setup({ delayMs: 0, lossPct: 10, random });
    // In bursts of 10, so no socket buffer overflows on the way even on a loaded machine (only the relay may lose).
    for (let i = 0; i < 1000; i++) {
      s.send(i);
      if (i % 10 === 9) await sleep(5);
    }
    // Until every round trip is back or lost by the relay (a loaded machine delays the echoes, it must not lose them).
    await expect.poll(() => s.got.size + relay!.stats.lost, { timeout: 10_000 }).toBeGreaterThanOrEqual(1000);
    // Each datagram crosses twice: about 19 % of round trips lost.
    const lostShare = 1 - s.got.size / 1000;
    expect(lostShare).toBeGreaterThan(0.13);
    expect(lostShare).toBeLessThan(0.25);
    expect(relay!.stats.lost).toBeGreaterThan(100);
    // Every round trip is either back or lost by the relay itself.
    expect(s.got.size + relay!.stats.lost).toBe(1000);
  });

  it('limits the rate at the bottleneck and drops what overflows its queue', async () => {
    // 800 kbit/s = 100 bytes per ms; 1000-byte packets take 10 ms each; the queue holds 50 ms.
    const s = await setup({ delayMs: 0, kbps: 800, queueMs: 50 });
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) s.send(i, 1000);
    // Until each packet came back or was dropped at the bottleneck (on a loaded machine the relay's thread is late).
    await expect.poll(() => s.got.size + relay!.stats.queueDrops, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    await sleep(100);
    expect(relay!.stats.queueDrops).toBeGreaterThan(15);
    expect(s.got.size).toBeGreaterThanOrEqual(5);
    expect(s.got.size).toBeLessThanOrEqual(8);
    // The ones that passed came out spaced by the link's rate, not all at once.
    const last = Math.max(...s.got.values());
    expect(last - t0).toBeGreaterThanOrEqual(40);
  });

  it('can make the link worse while it runs', async () => {
    const s = await setup({ delayMs: 0 });
    s.send(1);
    await expect.poll(() => s.got.has(1)).toBe(true);
    relay!.set({ delayMs: 0, lossPct: 100 });
    s.send(2);
    await sleep(100);
    expect(s.got.has(2)).toBe(false);
  });
});
