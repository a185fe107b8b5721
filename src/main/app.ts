import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../shared/bridge.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { silentLogger, type Logger } from '../server/log.ts';
import { BridgeFailure, checkEvent, type BridgeHandlers, type EventSink } from './bridge/dispatch.ts';
import type { Cabin } from './cabin.ts';
import type { KioskConfig } from './config.ts';
import { forkHostLauncher } from './devices/fork-host.ts';
import { BleRegistry } from './devices/ble.ts';
import { DeviceSupervisor, type HostLauncher } from './devices/supervisor.ts';
import { ConsultPolicy } from './hub/consult-policy.ts';
import { HubLink } from './hub/link.ts';
import { PatientDelivery } from './hub/patient-delivery.ts';
import { hubMediaSender } from './hub/put-media.ts';
import { cabinLogin } from './hub/cabin-login.ts';
import { cachedToken } from './print/hub-token.ts';
import { ReportDelivery } from './hub/report-delivery.ts';
import { noteVisitDevice } from './hub/visit-devices.ts';
import { MediaUploads } from './media/uploads.ts';
import { reportPrinter, type ReportPrinter } from './print/index.ts';
import { hashPin } from './session/pin.ts';
import { pinLockFile } from './session/pin-lock.ts';
import { SessionService } from './session/service.ts';
import { VisitPatient } from './session/visit-patient.ts';
import { openStore } from './store/index.ts';

const DEMO_PIN = '1234';
const HOUR_MS = 3_600_000;
/** After a visit ends, the doctor's console has this long to flush what it showed before the cabin delivers the rest. */
const VISIT_SETTLE_MS = 30_000;

export interface CabinOptions {
  /** How the device host runs (Electron's utilityProcess in the app; a Node child process by default). */
  launchHost?: HostLauncher;
  /** Cabin main's root logger; the services get children of it. Silent by default (tests). */
  log?: Logger;
  /** Time and timers of every service (tests pass a manual clock). */
  clock?: Clock;
}

/**
 * The composition root: wires the config, the store, the session service, the device supervisor, the hub link and
 * its consultation policy, and the bridge handlers. It wires; the work is done in those services.
 */
export async function startCabin(config: KioskConfig, opts: CabinOptions = {}): Promise<Cabin> {
  const log = opts.log ?? silentLogger();
  const clock = opts.clock ?? systemClock;
  // Health data: only the kiosk's own account may read the store.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  const store = openStore(join(config.dataDir, 'cabin.db'), { log: log.child({ component: 'store' }) });
  /** Background work must never take cabin main down: a failure is logged and the kiosk goes on. */
  const safely = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.error({ err }, `${what} failed`);
    }
  };
  const audit = (action: 'consultation' | 'incident', detail: string, sessionId?: string): void =>
    safely(`recording ${action}`, () => store.audit({ actor: 'system', action, detail: { detail }, ...(sessionId ? { sessionId } : {}) }));

  // The doctor's report records when the disk filled up and when it had room again (through the hub, when linked).
  let diskFull = false;
  const diskFullIncident = (full: boolean): void => {
    if (full === diskFull) return;
    diskFull = full;
    safely('reporting the full disk', () => policy?.incident(full ? "disk-full: the cabin's disk is full, readings are not being kept" : 'disk-full: the cabin stores readings again'));
  };
  const sinks = new Set<EventSink>();
  // Set once the hub link exists (the link's views go through `emit`).
  let policy: ConsultPolicy | undefined = undefined;
  let delivery: ReportDelivery | undefined = undefined;
  let printer: ReportPrinter | undefined = undefined;
  // The identity the assistant filed: in memory for the visit only (never in the store), and on its way to the hub.
  const visitPatient = new VisitPatient();
  let patients: PatientDelivery | undefined = undefined;
  let phase: string | undefined = undefined;
  const emit: EventSink = <K extends EventName>(name: K, payload: EventPayload<K>) => {
    if (!checkEvent(name, payload)) return;
    if (name === 'session') {
      policy?.onSession(payload as EventPayload<'session'>);
      // A visit ended: what the doctor's console did not confirm goes to the report from here (report-delivery.ts).
      const was = phase;
      phase = (payload as EventPayload<'session'>).phase;
      if (was === 'exam' && phase !== 'exam') {
        delivery?.kick(VISIT_SETTLE_MS);
        supervisor.attend(null);
      }
      diskFullIncident((payload as EventPayload<'session'>).storeFault === 'disk-full');
      printer?.onSession(payload as EventPayload<'session'>);
      const left = visitPatient.onSession((payload as EventPayload<'session'>).sessionId);
      if (left) patients?.visitEnded(left);
      // However assistant mode ended (lock, a new visit, cleaning done, idle), the Bluetooth scan stops with it.
      if (!(payload as EventPayload<'session'>).assistant && ble.isScanning) ble.scan(false);
    }
    // The Bluetooth panel's state is the assistant's: the kiosk page hears of it only in assistant mode.
    if (name === 'ble' && !session.view().assistant) return;
    // The call counts as the patient's activity: no idle prompt while a doctor is there (session/attendance.ts).
    if (name === 'call') {
      session.onCall(payload as EventPayload<'call'>);
      printer?.onCall(payload as EventPayload<'call'>);
    }
    for (const s of sinks) s(name, payload);
  };
  const pinHash = config.assistantPinHash ?? (config.demo ? hashPin(DEMO_PIN) : undefined);
  // The PIN pad's lock outlives a restart of cabin main (a crash must not reset the count of guesses).
  const pinLock = pinLockFile(join(config.dataDir, 'pin-lock.json'));
  const session = new SessionService(store, config, emit, () => clock.now(), pinHash, log.child({ component: 'session' }), { pinLock });
  const devicesLog = log.child({ component: 'devices' });
  const voiceLog = log.child({ component: 'voice' });
  const ble = new BleRegistry(
    store,
    { request: (req) => supervisor.request(req) },
    (view) => emit('ble', view),
    clock,
    (what, err) => log.error({ err }, `${what} failed`),
  );
  const supervisor = new DeviceSupervisor(
    opts.launchHost ?? forkHostLauncher(config.devices),
    {
      device: (view) => emit('device', view),
      event: (deviceId, event) => {
        ble.onEvent(deviceId, event);
        const outcome = session.onDeviceEvent(deviceId, event);
        if (outcome === 'old') supervisor.noteOld(deviceId, event.kind === 'observation' ? event.measurementId : undefined);
        // Who the device is goes to the visit's report with its readings (hub/visit-devices.ts, issue 13).
        safely("noting the visit's device", () => noteVisitDevice(store, session.view().sessionId, event, outcome, supervisor.devices().find((d) => d.id === deviceId)));
      },
      ble: (m) => ble.message(m),
      spawned: () => ble.spawned(),
      exited: () => ble.hostExited(),
      incident: (detail) => {
        devicesLog.warn(detail);
        audit('incident', detail);
      },
    },
    undefined,
    { log, clock },
  );
  // Undelivered data waits as long as delivered data is kept, and at least a day (a cabin that keeps nothing still
  // gets to deliver what a restart left); then it is dropped and the audit log says so (store/purge.ts).
  // With a hub, a visit's undelivered data goes only once a delivery attempt of this start failed for it (the purge
  // at start runs before the link opens: a cabin switched off past the wait tries first).
  const limits = { retentionMs: config.retentionDays * 24 * HOUR_MS, undeliveredMs: Math.max(config.retentionDays, 1) * 24 * HOUR_MS };
  const noFailures: ReadonlyMap<string, string> = new Map();
  const purge = (): void =>
    safely('purging old data', () => store.purge(clock.now(), config.hub ? { ...limits, deliveryFailed: delivery?.failures() ?? noFailures } : limits));
  purge();
  const timers = [clock.setInterval(() => safely('the idle check', () => session.tick()), 1000), clock.setInterval(purge, HOUR_MS)];
  supervisor.start();

  const hub = config.hub
    ? new HubLink({
        url: config.hub.url,
        cabinId: config.cabinId,
        cabinKey: config.hub.cabinKey ?? readFileSync(config.hub.cabinKeyFile!, 'utf8').trim(),
        onView: (view) => emit('call', view),
        onSignal: (data) => emit('signal', { data }),
        onAudit: (action, detail) => audit(action, detail, session.view().sessionId ?? undefined),
        onActive: (visit, consultationId) => safely('recording the consultation of the visit', () => store.setConsultation(visit, consultationId)),
        onLeft: (visit, consultationId) => safely('tying the readings sent in the call to its consultation', () => store.markSentInCall(visit, consultationId)),
        onOpen: () => {
          delivery?.kick();
          patients?.opened();
        },
        onReportAnswer: (m) => delivery?.answer(m) ?? false,
        onPatientAnswer: (m) => patients?.answer(m) ?? false,
        onConsultation: (visit, consultationId) => patients?.consultation(visit, consultationId),
        clock,
      })
    : undefined;
  delivery = hub
    ? new ReportDelivery({
        store,
        link: hub,
        clock,
        log: log.child({ component: 'outbox' }),
        onAudit: (sessionId, detail) => audit('incident', detail, sessionId),
        // The visit's pictures go by HTTP with a token of their own (hub/put-media.ts).
        sendMedia: hubMediaSender(config.hub!.url, cachedToken(() => cabinLogin(config.hub!.url, config.cabinId, config.hub!.cabinKey ?? readFileSync(config.hub!.cabinKeyFile!, 'utf8').trim()), clock)),
      })
    : undefined;
  patients = hub ? new PatientDelivery({ link: hub, clock, onAudit: (detail) => audit('incident', detail) }) : undefined;
  const consult = new ConsultPolicy({
    link: hub,
    audit: (detail) => store.audit({ actor: 'system', action: 'incident', detail: { detail } }),
    endReason: () => session.endReason(),
    log: log.child({ component: 'consultation' }),
  });
  policy = consult;
  // The patient's copy of the report at the end of the visit, when a printer is configured (src/main/print/).
  printer = reportPrinter(config, () => config.hub?.cabinKey ?? readFileSync(config.hub!.cabinKeyFile!, 'utf8').trim(), {
    emit: (view) => emit('print', view),
    incident: (detail) => audit('incident', `print: ${detail}`, session.view().sessionId ?? undefined),
    log: log.child({ component: 'print' }),
    clock,
  });
  hub?.start();
  consult.onSession(session.view());

  const uploads = new MediaUploads(randomUUID);
  const currentSession = (): string => {
    const id = session.view().sessionId;
    if (!id) throw new BridgeFailure('no-session', 'There is no session in progress.');
    return id;
  };

  const assistantOnly = (): void => {
    if (!session.view().assistant) throw new BridgeFailure('assistant-only', 'Only the assistant can manage Bluetooth devices: unlock assistant mode first.');
  };

  /** The visit whose identity the assistant files: only in assistant mode, only during a visit. */
  const patientVisit = (): string => {
    const { assistant, sessionId } = session.view();
    if (!assistant) throw new BridgeFailure('assistant-only', 'Only the assistant files the patient identity: unlock assistant mode first.');
    if (!sessionId) throw new BridgeFailure('no-session', 'There is no visit in progress: the identity is filed once the patient has started the visit.');
    return sessionId;
  };
  const patientFiling = () => {
    const visit = patientVisit();
    const identity = visitPatient.get(visit);
    return { identity, delivery: identity === null ? null : patients ? (patients.state(visit) ?? 'waiting') : ('no-hub' as const) };
  };

  const handlers: BridgeHandlers = {
    'session:get': () => session.view(),
    'session:start': ({ language }) => {
      supervisor.resetOld();
      return session.start(language);
    },
    'session:consent': ({ accepted }) => session.consent(accepted),
    'session:language': ({ language }) => session.setLanguage(language),
    'session:activity': () => session.activity(),
    'session:end': ({ from }) => session.end(from),
    'session:help': () => {
      const waiting = session.view().help != null;
      const view = session.help();
      // The doctor hears of a call for the assistant once, not at every press while the assistant is on the way.
      if (!waiting) consult.help();
      return view;
    },
    'session:help-answered': () => session.helpAnswered(),
    'devices:list': () => supervisor.devices(),
    'devices:command': async ({ deviceId, name }) => {
      const r = await supervisor.command(deviceId, name);
      if (!r.ok) throw new BridgeFailure('device-command-failed', r.error ?? 'The device refused the command.');
      return {};
    },
    // Only during the exam: a page left open on a step after the visit must not set a simulated patient going.
    'exam:step': ({ deviceId, step }) => {
      if (step !== undefined) session.openStep(step);
      supervisor.attend(session.view().phase === 'exam' ? deviceId : null);
      return {};
    },
    'assistant:unlock': ({ pin }) => session.unlockAssistant(pin),
    'assistant:lock': () => {
      ble.scan(false);
      return session.lockAssistant();
    },
    'ble:get': () => {
      assistantOnly();
      return ble.view();
    },
    'ble:scan': ({ on }) => {
      if (on) assistantOnly();
      return ble.scan(on);
    },
    'ble:pair': ({ address, driver, passkey }) => {
      assistantOnly();
      return ble.pair(address, driver, passkey);
    },
    'ble:forget': ({ address }) => {
      assistantOnly();
      return ble.forget(address);
    },
    'cleaning:complete': ({ done }) => session.completeCleaning(done),
    'patient:get': () => patientFiling(),
    'patient:set': ({ identity }) => {
      const visit = patientVisit();
      visitPatient.set(visit, identity);
      patients?.file(visit, identity, hub?.visitConsultation(visit) ?? null);
      return patientFiling();
    },
    'call:get': () => consult.view(),
    'call:signal': ({ data }) => {
      consult.signal(data);
      return {};
    },
    'netcheck:hub': () => (hub ? hub.probe.check() : { hub: null, iceServers: [], error: 'This cabin has no hub configured.' }),
    'netcheck:report': ({ check }) => {
      hub?.netCheck(check);
      return {};
    },
    'call:incident': ({ detail }) => {
      consult.incident(detail);
      return {};
    },
    'voice:unavailable': ({ lang, key, reason }) => {
      // `prompt`, not `key`: the log censors every field named key (cabin keys are secrets).
      voiceLog.warn({ lang, prompt: key, reason }, 'A voice prompt was not said: the kiosk shows its text with the notice (see the voice pack in the README).');
      return {};
    },
    'outbox:pending': () => {
      const id = session.view().sessionId;
      return id ? store.pendingReadings(id) : [];
    },
    // Only the visit on screen: a page left from an earlier visit must not mark another visit's readings delivered.
    'outbox:ack': ({ ids }) => {
      const id = session.view().sessionId;
      return { marked: id ? store.markDeliveredOf(id, 'observation', ids) : 0 };
    },
    'media:begin': (input) => ({ uploadId: uploads.begin(currentSession(), input) }),
    'media:chunk': ({ uploadId, seq, data }) => {
      uploads.chunk(uploadId, seq, data);
      return {};
    },
    'media:commit': ({ uploadId }) => {
      const u = uploads.commit(uploadId);
      if (u.sessionId !== session.view().sessionId) throw new BridgeFailure('no-session', 'The session of this picture has ended.');
      // With a hub, queued for the report of the visit's consultation (delivered after the visit: hub/report-delivery.ts).
      return { mediaId: store.addMedia({ sessionId: u.sessionId, kind: u.kind, mime: u.mime, bytes: u.data, deliver: config.hub !== undefined }) };
    },
    'print:get': () => printer.get(),
    'print:report': () => printer.print(),
    'config:get': () => ({
      languages: config.languages,
      checklist: config.checklist,
      media: config.media,
      idle: config.idle,
      demo: config.demo,
      retentionDays: config.retentionDays,
    }),
  };

  return {
    handlers,
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    async stop() {
      for (const t of timers) clock.clearInterval(t);
      delivery?.stop();
      // Waits for the follow of a job the printer holds to cancel it: not left to print for the next patient.
      await printer?.close();
      patients?.stop();
      await hub?.stop();
      await supervisor.stop();
      store.close();
    },
  };
}
