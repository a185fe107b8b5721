import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import type { BleView } from '../../shared/bridge.ts';
import type { DeviceEvent } from '../../shared/device-event.ts';
import type { HostMessage, HostRequest } from '../../shared/device-host.ts';
import type { Store } from '../store/index.ts';

/**
 * How long a pairing may take before the assistant is told it failed: longer than the host's own wait for BlueZ's
 * Pair (60 s) and its trust step, so the host's answer comes first.
 */
export const PAIR_TIMEOUT_MS = 75_000;

export type PairOutcome = { state: 'paired' | 'passkey-needed' | 'failed' | 'forgotten'; detail?: string };

/** A BLE device id (`<driver>@ble:<address>`, `sim-ble` when simulated): the key of its record mark. */
export function bleKeyOf(deviceId: string): string | undefined {
  const m = /^([a-z0-9-]+)@ble:([0-9A-F:]{17})$/.exec(deviceId);
  return m ? `${m[1]}|${m[2]}` : undefined;
}

/**
 * Main's side of Bluetooth LE: keeps in the cabin's SQLite the devices the assistant assigned to this cabin and, per
 * device, the last record delivered, and tells every (re)started device host; carries the assistant's scan, pairing
 * and forgetting to the host and their outcome back to the kiosk.
 */
export class BleRegistry {
  private nearby: BleView['nearby'] = [];
  private scanning = false;
  private readonly pending = new Map<string, (o: PairOutcome) => void>();
  /** Addresses the assistant forgot while a pairing of theirs may still be under way: its late success is ignored. */
  private readonly forgotten = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly host: { request(req: HostRequest): boolean },
    private readonly publish: (view: BleView) => void,
    private readonly clock: Clock,
    private readonly onError: (what: string, err: unknown) => void,
  ) {}

  view(): BleView {
    let assigned: BleView['assigned'] = [];
    try {
      assigned = this.store.bleAssignments().map((a) => ({ address: a.address, driver: a.driver, assignedAt: a.assignedAt }));
    } catch (err) {
      this.onError('reading the assigned Bluetooth devices', err);
    }
    return { scanning: this.scanning, nearby: this.nearby, assigned };
  }

  /** A device host started: it learns the cabin's devices and where each one's records stand. */
  spawned(): void {
    this.sendAssigned();
    try {
      const entries = this.store
        .bleMarks()
        .map((m) => ({ key: m.key, ...(m.seq !== undefined ? { seq: m.seq } : {}), ...(m.t !== undefined ? { t: m.t } : {}), ...(m.recent ? { recent: m.recent } : {}) }));
      if (entries.length > 0) this.host.request({ type: 'ble-memory', entries: entries.slice(0, 1000) });
    } catch (err) {
      this.onError('reading the Bluetooth record marks', err);
    }
    if (this.scanning) this.host.request({ type: 'ble-scan', on: true });
  }

  /**
   * Every device event: a measurement or a stored record of a BLE device moves its mark, whether or not a visit
   * takes it, so a device that resends its memory never gives it again, even after a restart.
   */
  onEvent(deviceId: string, e: DeviceEvent): void {
    if (e.kind !== 'observation' || (e.record === undefined && e.measurementId === undefined)) return;
    const key = bleKeyOf(deviceId);
    if (!key) return;
    const seq = e.record?.seq;
    if (seq === undefined && e.t === undefined) return;
    try {
      this.store.advanceBleMark({
        key,
        ...(seq !== undefined ? { seq } : {}),
        ...(e.t !== undefined ? { t: e.t } : {}),
        ...(e.measurementId !== undefined ? { id: e.measurementId } : {}),
      });
    } catch (err) {
      this.onError('keeping a Bluetooth record mark', err);
    }
  }

  message(m: Extract<HostMessage, { type: 'ble-nearby' | 'ble-pairing' }>): void {
    if (m.type === 'ble-nearby') {
      this.nearby = m.devices;
      this.publish(this.view());
      return;
    }
    if (m.state === 'pairing') return;
    const done = this.pending.get(m.requestId);
    this.pending.delete(m.requestId);
    try {
      // Kept even when the assistant was already told it took too long: the device is bonded, so it is the cabin's.
      const driver = m.driver ?? (done as { driver?: string } | undefined)?.driver;
      if (m.state === 'paired' && driver && !this.forgotten.has(m.address)) this.store.assignBle(m.address, driver);
      if (m.state === 'forgotten') this.store.unassignBle(m.address);
    } catch (err) {
      this.onError('keeping the assigned Bluetooth devices', err);
    }
    if (m.state === 'paired' || m.state === 'forgotten') this.sendAssigned();
    done?.({ state: m.state, ...(m.detail ? { detail: m.detail } : {}) });
    this.publish(this.view());
  }

  /** The device host stopped: what it was asked will not be answered. */
  hostExited(): void {
    for (const [id, done] of [...this.pending]) {
      this.pending.delete(id);
      done({ state: 'failed', detail: 'The device service restarted; try again in a moment.' });
    }
  }

  get isScanning(): boolean {
    return this.scanning;
  }

  /** The assistant's pairing panel opened or closed. */
  scan(on: boolean): BleView {
    this.scanning = on;
    if (!on) this.nearby = [];
    this.host.request({ type: 'ble-scan', on });
    return this.view();
  }

  pair(address: string, driver: string, passkey?: string): Promise<PairOutcome> {
    this.forgotten.delete(address);
    return this.ask({ type: 'ble-pair', address, driver, ...(passkey !== undefined ? { passkey } : {}) }, driver);
  }

  forget(address: string): Promise<PairOutcome> {
    // Unassigned at once: even if the host is down, the device is no longer the cabin's at its next start.
    this.forgotten.add(address);
    try {
      this.store.unassignBle(address);
    } catch (err) {
      this.onError('forgetting a Bluetooth device', err);
    }
    return this.ask({ type: 'ble-forget', address });
  }

  private ask(req: { type: 'ble-pair'; address: string; driver: string; passkey?: string } | { type: 'ble-forget'; address: string }, driver?: string): Promise<PairOutcome> {
    const requestId = randomUUID();
    return new Promise<PairOutcome>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(requestId);
        resolve({ state: 'failed', detail: 'The device did not answer in time: put it in pairing mode and try again.' });
      }, PAIR_TIMEOUT_MS);
      const done = Object.assign(
        (o: PairOutcome) => {
          this.clock.clearTimeout(timer);
          resolve(o);
        },
        { driver },
      );
      this.pending.set(requestId, done);
      if (!this.host.request({ ...req, requestId })) {
        this.pending.delete(requestId);
        this.clock.clearTimeout(timer);
        resolve({ state: 'failed', detail: 'The device service is restarting; try again in a moment.' });
      }
    });
  }

  private sendAssigned(): void {
    try {
      const devices = this.store.bleAssignments().map((a) => ({ address: a.address, driver: a.driver }));
      this.host.request({ type: 'ble-assigned', devices: devices.slice(0, 64) });
    } catch (err) {
      this.onError('reading the assigned Bluetooth devices', err);
    }
  }
}
