import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../shared/bridge.ts';
import { BridgeFailure, checkEvent, type BridgeHandlers, type EventSink } from './bridge/dispatch.ts';
import type { Cabin } from './cabin.ts';
import type { KioskConfig } from './config.ts';
import { forkHostLauncher } from './devices/fork-host.ts';
import { DeviceSupervisor, type HostLauncher } from './devices/supervisor.ts';
import { hashPin } from './session/pin.ts';
import { SessionService } from './session/service.ts';
import { openStore } from './store/index.ts';

const DEMO_PIN = '1234';
const HOUR_MS = 3_600_000;

export interface CabinOptions {
  /** How the device host runs (Electron's utilityProcess in the app; a Node child process by default). */
  launchHost?: HostLauncher;
}

/**
 * The composition root: wires the config, the store, the session service, the device supervisor and the
 * bridge handlers. It wires; the work is done in those services.
 */
export async function startCabin(config: KioskConfig, opts: CabinOptions = {}): Promise<Cabin> {
  // Health data: only the kiosk's own account may read the store.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  const store = openStore(join(config.dataDir, 'cabin.db'));
  /** Background work must never take cabin main down: a failure is logged and the kiosk goes on. */
  const safely = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      console.error(`cabin: ${what} failed: ${(err as Error).message}`);
    }
  };
  const sinks = new Set<EventSink>();
  const emit: EventSink = <K extends EventName>(name: K, payload: EventPayload<K>) => {
    if (!checkEvent(name, payload)) return;
    for (const s of sinks) s(name, payload);
  };
  const pinHash = config.assistantPinHash ?? (config.demo ? hashPin(DEMO_PIN) : undefined);
  const session = new SessionService(store, config, emit, Date.now, pinHash);
  const supervisor = new DeviceSupervisor(opts.launchHost ?? forkHostLauncher(config.devices), {
    device: (view) => emit('device', view),
    event: (deviceId, event) => session.onDeviceEvent(deviceId, event),
    incident: (detail) => safely('recording an incident', () => store.audit({ actor: 'system', action: 'incident', detail: { detail } })),
  });
  const retentionMs = config.retentionDays * 24 * HOUR_MS;
  const purge = (): void => safely('purging old data', () => store.purge(Date.now(), retentionMs));
  purge();
  const timers = [setInterval(() => safely('the idle check', () => session.tick()), 1000), setInterval(purge, HOUR_MS)];
  supervisor.start();

  const handlers: BridgeHandlers = {
    'session:get': () => session.view(),
    'session:start': ({ language }) => session.start(language),
    'session:consent': ({ accepted }) => session.consent(accepted),
    'session:language': ({ language }) => session.setLanguage(language),
    'session:activity': () => session.activity(),
    'session:end': ({ from }) => session.end(from),
    'devices:list': () => supervisor.devices(),
    'devices:command': async ({ deviceId, name }) => {
      const r = await supervisor.command(deviceId, name);
      if (!r.ok) throw new BridgeFailure('device-command-failed', r.error ?? 'The device refused the command.');
      return {};
    },
    'assistant:unlock': ({ pin }) => session.unlockAssistant(pin),
    'assistant:lock': () => session.lockAssistant(),
    'cleaning:complete': ({ done }) => session.completeCleaning(done),
    'config:get': () => ({
      languages: config.languages,
      checklist: config.checklist,
      media: config.media,
      idle: config.idle,
      demo: config.demo,
    }),
  };

  return {
    handlers,
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      await supervisor.stop();
      store.close();
    },
  };
}
