import type { BleView, CallInput, CallOutput, Result } from '../../shared/bridge.ts';
import type { BleNearby } from '../../shared/device-host.ts';

/** The one call the Bluetooth panel needs: the bridge's (or the cabin's `act`, which also shows failures). */
export type BleCall = <K extends 'ble:scan' | 'ble:pair' | 'ble:forget'>(name: K, input: CallInput<K>) => Promise<Result<CallOutput<K>>>;

/**
 * Where the assistant is with one device: reading its pairing-mode words, pairing, typing the code it shows,
 * the outcome; confirming a forget, forgetting, forgotten. One at a time: the panel has one device in hand.
 */
export type PairStep =
  | { kind: 'idle' }
  | { kind: 'instructions'; address: string; driver: string }
  | { kind: 'pairing'; address: string; driver: string }
  | { kind: 'passkey'; address: string; driver: string; digits: string; refused: boolean }
  | { kind: 'paired'; address: string }
  | { kind: 'failed'; address: string; driver: string; detail?: string }
  | { kind: 'confirm-forget'; address: string }
  | { kind: 'forgetting'; address: string }
  | { kind: 'forgotten'; address: string }
  | { kind: 'forget-failed'; address: string; detail?: string };

export interface BlePanelState {
  open: boolean;
  view: BleView | undefined;
  step: PairStep;
  /** The device in hand as it was listed: kept on screen with its outcome even once it leaves the list (forgotten, gone quiet). */
  held?: BleRow;
}

export const PASSKEY_DIGITS = 6;
const IDLE: PairStep = { kind: 'idle' };

/**
 * The assistant's Bluetooth panel as one small machine, without React: opening scans, closing stops the scan,
 * each button is a transition, and an answer that comes back after the assistant moved on is dropped.
 */
export class BlePairing {
  private state: BlePanelState = { open: false, view: undefined, step: IDLE };
  private readonly listeners = new Set<() => void>();
  /** Bumped on every step change: an answer for an older step is stale. */
  private turn = 0;

  constructor(private readonly call: BleCall) {}

  snapshot = (): BlePanelState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Opens the panel: main starts scanning for health devices nearby. */
  async open(): Promise<void> {
    if (this.state.open) return;
    this.set({ open: true, step: IDLE });
    const r = await this.call('ble:scan', { on: true });
    if (r.ok && this.state.open) this.set({ view: r.value });
  }

  /** Closes the panel (or the assistant left): the scan stops; whatever was in hand is dropped. */
  async close(): Promise<void> {
    if (!this.state.open) return;
    this.turn++;
    this.set({ open: false, view: undefined, step: IDLE, held: undefined });
    await this.call('ble:scan', { on: false });
  }

  /** A `ble` event from main (or `ble:get`): the list as it is now. */
  update(view: BleView): void {
    if (this.state.open) this.set({ view });
  }

  nearby(address: string): BleNearby | undefined {
    return this.state.view?.nearby.find((d) => d.address === address);
  }

  /** « Appairer »: the device's pairing-mode words first (the device must show « -P- » or blink before pairing). */
  choose(address: string, driver: string): void {
    this.hold(address);
    this.go({ kind: 'instructions', address, driver });
  }

  /** The device is in pairing mode: pair (a device that shows a code gets the keypad first). */
  async pair(): Promise<void> {
    const s = this.state.step;
    if (s.kind !== 'instructions' && s.kind !== 'failed') return;
    if (this.nearby(s.address)?.pairing === 'passkey') {
      this.go({ kind: 'passkey', address: s.address, driver: s.driver, digits: '', refused: false });
      return;
    }
    await this.send(s.address, s.driver);
  }

  /** « Réessayer » after a failure: back to the pairing-mode words (the device has usually left pairing mode). */
  retry(): void {
    const s = this.state.step;
    if (s.kind === 'failed') this.go({ kind: 'instructions', address: s.address, driver: s.driver });
  }

  press(digit: string): void {
    const s = this.state.step;
    if (s.kind !== 'passkey' || !/^\d$/.test(digit) || s.digits.length >= PASSKEY_DIGITS) return;
    this.set({ step: { ...s, digits: s.digits + digit, refused: false } });
  }

  erase(): void {
    const s = this.state.step;
    if (s.kind === 'passkey') this.set({ step: { ...s, digits: s.digits.slice(0, -1) } });
  }

  async submitPasskey(): Promise<void> {
    const s = this.state.step;
    if (s.kind !== 'passkey' || s.digits.length !== PASSKEY_DIGITS) return;
    await this.send(s.address, s.driver, s.digits);
  }

  /** « Oublier cet appareil »: asks first. */
  askForget(address: string): void {
    this.hold(address);
    this.go({ kind: 'confirm-forget', address });
  }

  async forget(): Promise<void> {
    const s = this.state.step;
    if (s.kind !== 'confirm-forget') return;
    const turn = this.go({ kind: 'forgetting', address: s.address });
    const r = await this.call('ble:forget', { address: s.address });
    if (turn !== this.turn) return;
    if (r.ok && r.value.state === 'forgotten') this.go({ kind: 'forgotten', address: s.address });
    else this.go({ kind: 'forget-failed', address: s.address, ...detailOf(r) });
  }

  /** « Annuler », « Fermer »: nothing in hand (a pairing already asked of main still ends there, its answer is dropped). */
  cancel(): void {
    this.set({ held: undefined });
    this.go(IDLE);
  }

  private hold(address: string): void {
    const row = bleRows(this.state.view).find((r) => r.address === address);
    this.set({ held: row });
  }

  private async send(address: string, driver: string, passkey?: string): Promise<void> {
    const turn = this.go({ kind: 'pairing', address, driver });
    const r = await this.call('ble:pair', { address, driver, ...(passkey !== undefined ? { passkey } : {}) });
    if (turn !== this.turn) return;
    if (r.ok && r.value.state === 'paired') this.go({ kind: 'paired', address });
    // Asked again after a code was typed: the device did not take it.
    else if (r.ok && r.value.state === 'passkey-needed') this.go({ kind: 'passkey', address, driver, digits: '', refused: passkey !== undefined });
    else this.go({ kind: 'failed', address, driver, ...detailOf(r) });
  }

  private go(step: PairStep): number {
    this.turn++;
    this.set({ step });
    return this.turn;
  }

  private set(patch: Partial<BlePanelState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}

/** The technical detail of a failed answer: main's (English) detail, or the bridge's message. */
function detailOf(r: Result<{ state: string; detail?: string }>): { detail?: string } {
  if (!r.ok) return { detail: r.error.message };
  if (r.value.detail) return { detail: r.value.detail };
  return r.value.state === 'failed' ? {} : { detail: `unexpected answer: ${r.value.state}` };
}

/** Signal strength as 0–4 bars (undefined: not heard just now, BlueZ replayed the device from its cache). */
export function signalBars(rssi: number | undefined): number | undefined {
  if (rssi === undefined) return undefined;
  if (rssi >= -60) return 4;
  if (rssi >= -70) return 3;
  if (rssi >= -80) return 2;
  if (rssi >= -90) return 1;
  return 0;
}

/** One row of the panel: a device nearby, or one assigned to this cabin that is not advertising now. */
export interface BleRow {
  address: string;
  nearby?: BleNearby;
  /** The driver it has (assigned) or would get (nearby). */
  driver?: string;
  assigned: boolean;
  supported: boolean;
}

/**
 * The panel's list: the cabin's own devices first, then the supported ones nearby by signal, then the others.
 * `held`: the device in hand, listed even when the view no longer has it (forgotten and quiet), as not assigned.
 */
export function bleRows(view: BleView | undefined, held?: BleRow): BleRow[] {
  if (!view) return [];
  const rows = new Map<string, BleRow>();
  if (held && !view.assigned.some((a) => a.address === held.address) && !view.nearby.some((n) => n.address === held.address)) {
    const { nearby, ...rest } = held;
    rows.set(held.address, { ...rest, ...(nearby ? { nearby: { ...nearby, rssi: undefined, assigned: false, paired: false } } : {}), assigned: false });
  }
  for (const a of view.assigned) rows.set(a.address, { address: a.address, driver: a.driver, assigned: true, supported: true });
  for (const n of view.nearby) {
    const assigned = rows.get(n.address);
    const driver = n.driver ?? assigned?.driver;
    rows.set(n.address, { address: n.address, nearby: n, ...(driver ? { driver } : {}), assigned: !!assigned || n.assigned, supported: driver !== undefined });
  }
  const rank = (r: BleRow): number => (r.assigned ? 0 : r.supported ? 1 : 2);
  return [...rows.values()].sort((a, b) => rank(a) - rank(b) || (b.nearby?.rssi ?? -200) - (a.nearby?.rssi ?? -200) || a.address.localeCompare(b.address));
}
