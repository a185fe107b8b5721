import {
  BridgeErrorSchema,
  CALLS,
  EVENTS,
  type BridgeErrorCode,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type Result,
} from '../../shared/bridge.ts';

/** A failure made on this side of the bridge (the service never answered, or answered nonsense). */
export function failure<T>(code: BridgeErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** Checks what main answered to `name` against the contract, so a screen never renders a malformed value. */
export function checkResult<K extends CallName>(name: K, raw: unknown): Result<CallOutput<K>> {
  if (typeof raw !== 'object' || raw === null || !('ok' in raw)) {
    return failure('invalid-response', `The cabin service answered ${name} with something that is not a result.`);
  }
  if (raw.ok === true) {
    const value = CALLS[name].output.safeParse((raw as { value?: unknown }).value);
    if (value.success) return { ok: true, value: value.data as CallOutput<K> };
    return failure('invalid-response', `The cabin service answered ${name} with an invalid value.`);
  }
  const error = BridgeErrorSchema.safeParse((raw as { error?: unknown }).error);
  return error.success ? { ok: false, error: error.data } : failure('invalid-response', `The cabin service refused ${name} without saying why.`);
}

/** The payload of an event, or undefined when it does not match the contract (it is then dropped). */
export function checkEvent<K extends EventName>(name: K, payload: unknown): EventPayload<K> | undefined {
  const parsed = EVENTS[name].safeParse(payload);
  return parsed.success ? (parsed.data as EventPayload<K>) : undefined;
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(EVENTS, name);
}
