import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallView, EventName, EventPayload } from '../shared/bridge.ts';
import { BridgeFailure, checkEvent, type BridgeHandlers, type EventSink } from './bridge/dispatch.ts';
import type { Cabin } from './cabin.ts';
import type { KioskConfig } from './config.ts';
import { forkHostLauncher } from './devices/fork-host.ts';
import { DeviceSupervisor, type HostLauncher } from './devices/supervisor.ts';
import { HubLink } from './hub/link.ts';
import { MediaUploads } from './media/uploads.ts';
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
  let hub: HubLink | undefined;
  const emit: EventSink = <K extends EventName>(name: K, payload: EventPayload<K>) => {
    if (!checkEvent(name, payload)) return;
    // A doctor is asked for while the patient is examined; when the visit ends, the cabin leaves the consultation
    // (the hub keeps it open for the doctor's notes and report).
    if (name === 'session' && hub) {
      const v = payload as EventPayload<'session'>;
      const h = hub;
      safely('updating the consultation', () => h.want(v.phase === 'exam' ? v.language : null));
    }
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

  const offCall: CallView = { state: 'off', consultationId: null, doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null };
  if (config.hub) {
    const cabinKey = config.hub.cabinKey ?? readFileSync(config.hub.cabinKeyFile!, 'utf8').trim();
    hub = new HubLink({
      url: config.hub.url,
      cabinId: config.cabinId,
      cabinKey,
      onView: (view) => emit('call', view),
      onSignal: (data) => emit('signal', { data }),
      onAudit: (action, detail) =>
        safely('recording a consultation step', () => store.audit({ actor: 'system', action, detail: { detail }, sessionId: session.view().sessionId ?? undefined })),
    });
    hub.start();
    const v = session.view();
    hub.want(v.phase === 'exam' ? v.language : null);
  }
  const uploads = new MediaUploads(randomUUID);
  const currentSession = (): string => {
    const id = session.view().sessionId;
    if (!id) throw new BridgeFailure('no-session', 'There is no session in progress.');
    return id;
  };

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
    'call:get': () => hub?.view() ?? offCall,
    'call:signal': ({ data }) => {
      if (!hub) throw new BridgeFailure('no-hub', 'This cabin has no hub configured.');
      try {
        hub.signal(data);
      } catch (err) {
        throw new BridgeFailure('call-unavailable', (err as Error).message);
      }
      return {};
    },
    'call:incident': ({ detail }) => {
      if (hub) hub.incident(detail);
      else store.audit({ actor: 'system', action: 'incident', detail: { detail: `call: ${detail}` } });
      return {};
    },
    'outbox:pending': () => {
      const id = session.view().sessionId;
      if (!id) return [];
      return store
        .pendingOf(id, 'observation', 500)
        .map((e) => e.payload as EventPayload<'reading'>)
        .map(({ id: rid, deviceId, code, value, unit, t, measurementId }) => ({ id: rid, deviceId, code, value, unit, t, ...(measurementId ? { measurementId } : {}) }));
    },
    'outbox:ack': ({ ids }) => ({ marked: store.markDeliveredByRef('observation', ids) }),
    'media:begin': (input) => ({ uploadId: uploads.begin(currentSession(), input) }),
    'media:chunk': ({ uploadId, seq, data }) => {
      uploads.chunk(uploadId, seq, data);
      return {};
    },
    'media:commit': ({ uploadId }) => {
      const u = uploads.commit(uploadId);
      if (u.sessionId !== session.view().sessionId) throw new BridgeFailure('no-session', 'The session of this picture has ended.');
      return { mediaId: store.addMedia({ sessionId: u.sessionId, kind: u.kind, mime: u.mime, bytes: u.data }) };
    },
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
      await hub?.stop();
      await supervisor.stop();
      store.close();
    },
  };
}
