import { pino } from 'pino';

/**
 * Keys whose values never reach a log line, at any depth (matched case-insensitively): secrets (tokens, keys, passwords,
 * PINs, cookies, the signalling payloads) and patient data (readings, notes). A `value` of an unrelated object is
 * censored too: a measured value cannot be told apart from others by its key.
 */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set(
  [
    'token', 'refresh', 'password', 'pin', 'assistantPinHash', 'key', 'cabinKey', 'secret', 'jwtSecret',
    'authorization', 'cookie', 'set-cookie',
    'notes', 'patient', 'value', 'values', 'samples', 'reading', 'readings', 'observation', 'observations',
    'data', 'sdp', 'candidate',
  ].map((k) => k.toLowerCase()),
);

export const CENSORED = '[redacted]';
/** Deeper than this, an object is replaced whole: nothing below it is looked at, so nothing below it leaks. */
const MAX_DEPTH = 8;

/**
 * A copy of `value` with every sensitive key censored at any depth, arrays included. Errors become pino's readable form
 * (type, message, stack, code, cause) first; objects with `toJSON` (Date, Buffer) are kept as they are; cycles are cut.
 */
export function censorDeep(value: unknown, depth = 0, parents: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (parents.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return censorDeep(pino.stdSerializers.err(value), depth, parents);
  if (!Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  parents.add(value);
  const copy = Array.isArray(value)
    ? value.map((item: unknown) => censorDeep(item, depth + 1, parents))
    : Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, SENSITIVE_KEYS.has(k.toLowerCase()) ? CENSORED : censorDeep(v, depth + 1, parents)]),
      );
  parents.delete(value);
  return copy;
}

/** The same, for the object of one log line or a child's bindings. */
export const censorFields = (fields: Record<string, unknown>): Record<string, unknown> => censorDeep(fields) as Record<string, unknown>;
