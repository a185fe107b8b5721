import { contextBridge, ipcRenderer } from 'electron';
import type { BridgeClient, CallName, EventName, Result } from '../../shared/bridge.ts';

/**
 * The kiosk page's only door to main: `window.cabin` = { call, on }, exactly the bridge contract.
 * No ipcRenderer, no channel names, no IpcRendererEvent ever reach the page.
 *
 * Sandboxed preloads can `require` only `electron` and a few polyfilled modules, and no ES modules, so
 * this file imports nothing at runtime but `electron`; the build bundles it into one CommonJS file
 * (`dist/electron/preload.cjs`). The names below are checked against the contract by the compiler.
 */
const CALL_NAMES = [
  'session:get',
  'session:start',
  'session:consent',
  'session:language',
  'session:activity',
  'session:end',
  'session:help',
  'session:help-answered',
  'devices:list',
  'devices:command',
  'exam:step',
  'assistant:unlock',
  'assistant:lock',
  'cleaning:complete',
  'config:get',
  'ble:get',
  'ble:scan',
  'ble:pair',
  'ble:forget',
  'patient:get',
  'patient:set',
  'call:get',
  'call:signal',
  'call:incident',
  'netcheck:hub',
  'netcheck:report',
  'voice:unavailable',
  'outbox:pending',
  'outbox:ack',
  'media:begin',
  'media:chunk',
  'media:commit',
  'print:get',
  'print:report',
] as const satisfies readonly CallName[];
const EVENT_NAMES = ['session', 'device', 'reading', 'waveform', 'call', 'signal', 'ble', 'print'] as const satisfies readonly EventName[];

// Fails to compile when the contract gains a call or an event that is not listed above.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const everyCall: Same<(typeof CALL_NAMES)[number], CallName> = true;
const everyEvent: Same<(typeof EVENT_NAMES)[number], EventName> = true;
void [everyCall, everyEvent];

const EVENT_CHANNEL = 'bridge:event';
const calls: ReadonlySet<string> = new Set(CALL_NAMES);
const events: ReadonlySet<string> = new Set(EVENT_NAMES);
const listeners = new Map<string, Set<(payload: unknown) => void>>();
let subscribed = false;

function deliver(_event: unknown, name: unknown, payload: unknown): void {
  if (typeof name !== 'string') return;
  for (const listener of listeners.get(name) ?? []) {
    try {
      listener(payload);
    } catch (err) {
      console.error(`A listener of the '${name}' event failed:`, err);
    }
  }
}

async function call(name: unknown, input: unknown): Promise<Result<unknown>> {
  if (typeof name !== 'string' || !calls.has(name)) {
    return { ok: false, error: { code: 'unknown-call', message: `There is no call '${String(name).slice(0, 64)}'.` } };
  }
  try {
    return (await ipcRenderer.invoke(`bridge:${name}`, input)) as Result<unknown>;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'unavailable', message: `The cabin service did not answer ${name}: ${message}` } };
  }
}

function on(event: unknown, listener: unknown): () => void {
  if (typeof event !== 'string' || !events.has(event)) throw new TypeError(`There is no event '${String(event).slice(0, 64)}'.`);
  if (typeof listener !== 'function') throw new TypeError('The listener must be a function.');
  if (!subscribed) {
    ipcRenderer.on(EVENT_CHANNEL, deliver);
    subscribed = true;
  }
  // A wrapper per subscription, so the same function subscribed twice is removed once per unsubscribe.
  const wrapped = (payload: unknown): void => void (listener as (p: unknown) => void)(payload);
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  set.add(wrapped);
  return () => void set.delete(wrapped);
}

const api = { call, on } as BridgeClient;

contextBridge.exposeInMainWorld('cabin', api);
