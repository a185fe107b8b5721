import { vi } from 'vitest';
import { CALLS, type CallName } from '../../../src/shared/bridge.ts';
import type { BridgeHandlers, EventSink } from '../../../src/main/bridge/dispatch.ts';
import type { Cabin } from '../../../src/main/cabin.ts';

/** A Cabin whose handlers echo what they were called with, and whose events a test emits. */
export function fakeCabin() {
  const sinks = new Set<EventSink>();
  const handlers = Object.fromEntries(
    (Object.keys(CALLS) as CallName[]).map((name) => [name, vi.fn(async (input: unknown) => ({ handled: name, input }))]),
  ) as unknown as BridgeHandlers;
  const cabin = {
    handlers,
    subscribe: vi.fn((sink: EventSink) => {
      sinks.add(sink);
      return () => void sinks.delete(sink);
    }),
    stop: vi.fn(async () => undefined),
  } satisfies Cabin;
  return { cabin, emit: ((event, payload) => sinks.forEach((s) => s(event, payload))) as EventSink, sinks };
}

export const SESSION_VIEW = {
  phase: 'welcome',
  sessionId: null,
  language: 'fr',
  startedAt: null,
  assistant: false,
  idleWarning: null,
  readings: [],
} as const;
