import {
  CALLS,
  EVENTS,
  isCallName,
  type CallInput,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type BridgeErrorCode,
  type Result,
} from '../../shared/bridge.ts';
import { silentLogger, type Logger } from '../../server/log.ts';
import { newIncidentId } from './incident.ts';

/** A failure a handler reports on purpose: its code and message reach the renderer as they are. */
export class BridgeFailure extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const quiet = silentLogger();

/** The services behind the bridge: one handler per call of the contract. */
export type BridgeHandlers = { [K in CallName]: (input: CallInput<K>) => CallOutput<K> | Promise<CallOutput<K>> };

/** Something that delivers main → renderer events (every connected renderer). */
export type EventSink = <K extends EventName>(event: K, payload: EventPayload<K>) => void;

export interface DispatchOptions {
  /** Where an unexpected failure is written, with its incident number. */
  log?: Logger;
  /** Makes incident numbers (tests pass a fixed one). */
  incidentId?: () => string;
}

/**
 * Validates and runs one call from a renderer, whatever the transport: an unknown call, a malformed input,
 * a refused action or an unexpected failure all come back as `{ ok: false, error }`, never as a throw.
 * An unexpected failure stays in main's log under an incident number: the screen gets only the number.
 */
export async function dispatch(handlers: BridgeHandlers, name: unknown, input: unknown, opts: DispatchOptions = {}): Promise<Result<unknown>> {
  if (typeof name !== 'string' || !isCallName(name)) {
    return { ok: false, error: { code: 'unknown-call', message: `There is no call '${String(name).slice(0, 64)}'.` } };
  }
  const parsed = CALLS[name].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: { code: 'invalid-input', message: `${name}: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}` },
    };
  }
  try {
    const handler = handlers[name] as (i: unknown) => unknown;
    const value = await handler(parsed.data);
    return { ok: true, value };
  } catch (err) {
    if (err instanceof BridgeFailure) return { ok: false, error: { code: err.code, message: err.message } };
    const incident = (opts.incidentId ?? newIncidentId)();
    (opts.log ?? quiet).error({ err, call: name, incident }, `bridge call ${name} failed (incident ${incident})`);
    return { ok: false, error: { code: 'internal', message: `${name} failed unexpectedly: see incident ${incident} in the cabin's log.`, incident } };
  }
}

/** Checks an event against the contract before it leaves main (a bug here must not reach a screen). */
export function checkEvent<K extends EventName>(event: K, payload: EventPayload<K>): boolean {
  return EVENTS[event].safeParse(payload).success;
}
