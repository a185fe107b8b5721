import { describe, expect, it } from 'vitest';
import { CallChannels } from '../../src/doctor/call/channels.ts';
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

function setup() {
  const channels: FakeDataChannel[] = [];
  const pc = { createDataChannel: (label: string) => (channels.push(new FakeDataChannel(label)), channels.at(-1)) } as unknown as RTCPeerConnection;
  const got: CabinEvent[] = [];
  const logs: string[] = [];
  const c = new CallChannels({ onEvent: (e) => got.push(e), onWave: () => {}, onOpenChange: () => {}, log: (m) => logs.push(m) });
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
});
