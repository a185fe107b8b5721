import { vi } from 'vitest';
import type { BridgeClient, CallInput, CallName, CallOutput, Result } from '../../../src/shared/bridge.ts';
import type { ChannelLike } from '../../../src/renderer/call/channel.ts';

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
