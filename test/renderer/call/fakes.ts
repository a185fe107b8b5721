import { vi } from 'vitest';
import type { BridgeClient, CallInput, CallName, CallOutput, Result } from '../../../src/shared/bridge.ts';
import type { ChannelLike } from '../../../src/renderer/call/channel.ts';
import { decodeObservationBatch, isObservationBatch } from '../../../src/shared/observation-batch.ts';

/** The real clock's setTimeout, taken before a test fakes timers. */
const realSetTimeout = globalThis.setTimeout;

/**
 * Lets real asynchronous work finish (zlib deflates a batch of observations on Node's thread pool, which fake timers
 * do not drive), then runs the fake clock's due work: until `done` holds, or `rounds` times.
 */
export async function settle(done: () => boolean | Promise<boolean> = () => false, rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await done()) return;
    await new Promise((r) => realSetTimeout(r, 5));
    await vi.advanceTimersByTimeAsync(0);
  }
}

/** A data channel that records what is sent and lets the test open it, fill its queue and talk back. */
export class FakeChannel extends EventTarget implements ChannelLike {
  readyState = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  readonly sent: (string | ArrayBuffer)[] = [];

  send(data: string): void;
  send(data: ArrayBuffer): void;
  send(data: string | ArrayBuffer): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }
  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }
  close(): void {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
  receive(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
  drain(to = 0): void {
    this.bufferedAmount = to;
    this.dispatchEvent(new Event('bufferedamountlow'));
  }
  /** Every observation sent, in order: on its own (JSON) or in a batch frame (inflated); `batch` says which. */
  async observations(): Promise<{ id: string; batch: boolean }[]> {
    const out: { id: string; batch: boolean }[] = [];
    for (const d of this.sent) {
      if (typeof d === 'string') {
        const m = JSON.parse(d) as { type: string; id?: string };
        if (m.type === 'observation') out.push({ id: String(m.id), batch: false });
      } else if (isObservationBatch(d)) {
        const b = await decodeObservationBatch(d);
        if (!b) throw new Error('a batch frame that does not decode');
        for (const o of b.observations) out.push({ id: o.id, batch: true });
      }
    }
    return out;
  }
  /** The JSON messages sent, parsed. */
  messages(): { type: string; [k: string]: unknown }[] {
    return this.sent.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d) as { type: string });
  }
  override addEventListener(type: string, listener: ((ev: never) => void) | EventListenerOrEventListenerObject | null): void {
    super.addEventListener(type, listener as EventListener);
  }
  override removeEventListener(type: string, listener: ((ev: never) => void) | EventListenerOrEventListenerObject | null): void {
    super.removeEventListener(type, listener as EventListener);
  }
}

type Handlers = { [K in CallName]?: (input: CallInput<K>) => Result<CallOutput<K>> | Promise<Result<CallOutput<K>>> };

/** A bridge `call` whose answers the test chooses; every call is recorded. */
export function fakeCall(handlers: Handlers) {
  const calls: { name: CallName; input: unknown }[] = [];
  const call = vi.fn(async (name: CallName, input: unknown) => {
    calls.push({ name, input });
    const h = handlers[name] as ((i: unknown) => unknown) | undefined;
    if (!h) return { ok: false, error: { code: 'unknown', message: `no handler for ${name}` } };
    return h(input);
  }) as unknown as BridgeClient['call'];
  return { call, calls };
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
