import { describe, expect, it } from 'vitest';
import { CallChannels, MAX_QUEUED_BATCHES } from '../../src/doctor/call/channels.ts';
import { encodeObservationBatch } from '../../src/shared/observation-batch.ts';
import type { ObservationEvent } from '../../src/shared/observation-frame.ts';
import type { CabinEvent } from '../../src/shared/telemetry.ts';

/** Issue 11: the doctor's side of the readings a cabin kept during a cut, sent deflated in batch frames. */

class FakeDataChannel {
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  binaryType = 'blob';
  readyState = 'open';
  constructor(readonly label: string) {}
  close(): void {
    this.readyState = 'closed';
  }
  send(): void {}
  deliver(data: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
}

function setup(onEvent?: (e: CabinEvent) => void) {
  const channels: FakeDataChannel[] = [];
  const pc = { createDataChannel: (label: string) => (channels.push(new FakeDataChannel(label)), channels.at(-1)) } as unknown as RTCPeerConnection;
  const got: CabinEvent[] = [];
  const logs: string[] = [];
  const c = new CallChannels({ onEvent: (e) => (onEvent?.(e), got.push(e)), onWave: () => {}, onOpenChange: () => {}, log: (m) => logs.push(m) });
  c.open(pc);
  const events = channels.find((ch) => ch.label === 'events')!;
  return { c, events, got, logs };
}

const obs = (i: number): ObservationEvent => ({ type: 'observation', id: `r${i}`, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1000 + i });
const asBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('doctor channels: observation batches', () => {
  it('hands each observation of a batch on, in order, before the messages that came after it', async () => {
    const { events, got } = setup();
    const frame = await encodeObservationBatch(Array.from({ length: 50 }, (_, i) => obs(i)));
    events.deliver(asBuffer(frame!));
    // Right behind the batch, while it is being inflated: a live reading and a status.
    events.deliver(JSON.stringify(obs(50)));
    events.deliver(JSON.stringify({ type: 'status', deviceId: 'oxi@sim', status: 'searching', t: 2000 }));
    await until(() => got.length >= 52);
    expect(got.map((e) => (e.type === 'observation' ? e.id : e.type))).toEqual([...Array.from({ length: 51 }, (_, i) => `r${i}`), 'status']);
  });

  it('drops a frame that is not a valid batch, with a log line, and goes on with what follows', async () => {
    const { events, got, logs } = setup();
    events.deliver(asBuffer(new Uint8Array([0x81, 1, 2, 3, 4])));
    events.deliver(JSON.stringify(obs(1)));
    await until(() => got.length >= 1);
    expect(got.map((e) => (e.type === 'observation' ? e.id : e.type))).toEqual(['r1']);
    expect(logs.some((l) => l.includes('batch'))).toBe(true);
  });

  it('after close, a batch still being inflated hands nothing on', async () => {
    const { c, events, got } = setup();
    const frame = await encodeObservationBatch([obs(1), obs(2), obs(3), obs(4)]);
    events.deliver(asBuffer(frame!));
    c.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
  });

  it('a handler that throws on one reading does not silence the channel: the rest, and what follows, still come', async () => {
    const { events, got, logs } = setup((e) => {
      if (e.type === 'observation' && e.id === 'r1') throw new Error('a listener bug');
    });
    events.deliver(asBuffer((await encodeObservationBatch(Array.from({ length: 5 }, (_, i) => obs(i))))!));
    events.deliver(asBuffer((await encodeObservationBatch(Array.from({ length: 5 }, (_, i) => obs(i + 5))))!));
    events.deliver(JSON.stringify(obs(10)));
    await until(() => got.length >= 10);
    // r1 threw: only r1 is missed (the cabin sends it again, unacknowledged); the rest of its batch and all after it come.
    expect(got.map((e) => (e.type === 'observation' ? e.id : e.type))).toEqual(['r0', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10']);
    expect(logs.some((l) => l.includes('a listener bug'))).toBe(true);
    // Text comes straight through again once nothing is queued.
    events.deliver(JSON.stringify(obs(11)));
    expect(got.at(-1)).toMatchObject({ id: 'r11' });
  });

  it('at most MAX_QUEUED_BATCHES wait to be inflated: more are dropped (the cabin resends them), none is lost from the queue', async () => {
    const { events, got, logs } = setup();
    const frames = await Promise.all(Array.from({ length: MAX_QUEUED_BATCHES + 3 }, (_, k) => encodeObservationBatch([obs(k * 10), obs(k * 10 + 1)])));
    for (const f of frames) events.deliver(asBuffer(f!));
    await until(() => got.length >= MAX_QUEUED_BATCHES * 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(MAX_QUEUED_BATCHES * 2);
    expect(logs.filter((l) => l.includes('too many waiting'))).toHaveLength(3);
    // The queue drained: a new batch is taken again.
    events.deliver(asBuffer((await encodeObservationBatch([obs(500), obs(501)]))!));
    await until(() => got.length >= MAX_QUEUED_BATCHES * 2 + 2);
    expect(got.at(-1)).toMatchObject({ id: 'r501' });
  });
});
