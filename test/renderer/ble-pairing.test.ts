import { describe, expect, it } from 'vitest';
import { BlePairing, bleRows, signalBars, type BleCall } from '../../src/renderer/assistant/ble-pairing.ts';
import type { BleView, CallOutput, Result } from '../../src/shared/bridge.ts';
import type { BleNearby } from '../../src/shared/device-host.ts';

const CUFF = 'C0:11:22:33:44:55';
const THERMO = 'D0:11:22:33:44:66';
const PHONE = 'E0:11:22:33:44:77';

const nearby = (address: string, extra: Partial<BleNearby> = {}): BleNearby => ({ address, services: [], paired: false, assigned: false, seenAt: 1, ...extra });
const VIEW: BleView = {
  scanning: true,
  nearby: [
    nearby(CUFF, { name: 'BLEsmart_0000', rssi: -58, driver: 'ble-blood-pressure', category: 'blood-pressure', pairing: 'just-works', pairingMode: { fr: 'Maintenez le bouton Bluetooth jusqu’à « -P- ».', en: 'Hold the Bluetooth button until "-P-" shows.' } }),
    nearby(THERMO, { rssi: -75, driver: 'ble-thermometer', category: 'thermometer', pairing: 'passkey' }),
    nearby(PHONE, { name: 'Phone', rssi: -40 }),
  ],
  assigned: [],
};

type Answer = { state: 'paired' | 'passkey-needed' | 'failed' | 'forgotten'; detail?: string };
/** A bridge that records each call and answers from a script (each answer once, in order, per call name). */
function fakeBridge(answers: Partial<Record<'ble:pair' | 'ble:forget', (Answer | Result<Answer>)[]>> = {}) {
  const calls: [string, unknown][] = [];
  const pending: (() => void)[] = [];
  let hold = false;
  const call = (async (name: string, input: unknown) => {
    calls.push([name, input]);
    if (hold) await new Promise<void>((r) => pending.push(r));
    if (name === 'ble:scan') return { ok: true, value: { ...VIEW, scanning: (input as { on: boolean }).on } };
    const next = answers[name as 'ble:pair']?.shift();
    if (!next) throw new Error(`no answer scripted for ${name}`);
    return 'ok' in next ? next : { ok: true, value: next };
  }) as BleCall;
  return {
    call,
    calls,
    hold: (on: boolean) => (hold = on),
    release: () => pending.splice(0).forEach((r) => r()),
    names: () => calls.map(([n]) => n),
  };
}

describe('the Bluetooth panel machine', () => {
  it('opening scans and shows the list; closing stops the scan and drops what was in hand', async () => {
    const b = fakeBridge();
    const p = new BlePairing(b.call);
    await p.open();
    expect(b.calls).toEqual([['ble:scan', { on: true }]]);
    expect(p.snapshot().view?.nearby).toHaveLength(3);
    p.choose(CUFF, 'ble-blood-pressure');
    await p.close();
    expect(b.calls.at(-1)).toEqual(['ble:scan', { on: false }]);
    expect(p.snapshot()).toMatchObject({ open: false, view: undefined, step: { kind: 'idle' } });
    // A `ble` event after closing does not bring the list back.
    p.update(VIEW);
    expect(p.snapshot().view).toBeUndefined();
    // Closing twice asks once.
    await p.close();
    expect(b.names().filter((n) => n === 'ble:scan')).toHaveLength(2);
  });

  it('a just-works cuff: its pairing-mode words first, then pairing, then paired', async () => {
    const b = fakeBridge({ 'ble:pair': [{ state: 'paired' }] });
    const p = new BlePairing(b.call);
    await p.open();
    p.choose(CUFF, 'ble-blood-pressure');
    expect(p.snapshot().step).toEqual({ kind: 'instructions', address: CUFF, driver: 'ble-blood-pressure' });
    expect(b.names()).toEqual(['ble:scan']);
    const done = p.pair();
    expect(p.snapshot().step.kind).toBe('pairing');
    await done;
    expect(b.calls.at(-1)).toEqual(['ble:pair', { address: CUFF, driver: 'ble-blood-pressure' }]);
    expect(p.snapshot().step).toEqual({ kind: 'paired', address: CUFF });
  });

  it('passkey-needed → the keypad → the six digits sent → refused once → paired', async () => {
    const b = fakeBridge({ 'ble:pair': [{ state: 'passkey-needed' }, { state: 'passkey-needed' }, { state: 'paired' }] });
    const p = new BlePairing(b.call);
    await p.open();
    p.choose(CUFF, 'ble-blood-pressure');
    await p.pair();
    expect(p.snapshot().step).toMatchObject({ kind: 'passkey', digits: '', refused: false });
    for (const d of '1234567') p.press(d);
    p.press('x');
    expect(p.snapshot().step).toMatchObject({ digits: '123456' });
    p.erase();
    await p.submitPasskey(); // five digits: nothing sent
    expect(b.names().filter((n) => n === 'ble:pair')).toHaveLength(1);
    p.press('9');
    await p.submitPasskey();
    expect(b.calls.at(-1)).toEqual(['ble:pair', { address: CUFF, driver: 'ble-blood-pressure', passkey: '123459' }]);
    // Asked again after a code: the device did not take it; the keypad is empty and says so.
    expect(p.snapshot().step).toMatchObject({ kind: 'passkey', digits: '', refused: true });
    for (const d of '654321') p.press(d);
    expect(p.snapshot().step).toMatchObject({ refused: false });
    await p.submitPasskey();
    expect(b.calls.at(-1)).toEqual(['ble:pair', { address: CUFF, driver: 'ble-blood-pressure', passkey: '654321' }]);
    expect(p.snapshot().step).toEqual({ kind: 'paired', address: CUFF });
  });

  it('a passkey device gets the keypad at once, and the first pairing call carries the code', async () => {
    const b = fakeBridge({ 'ble:pair': [{ state: 'paired' }] });
    const p = new BlePairing(b.call);
    await p.open();
    p.choose(THERMO, 'ble-thermometer');
    await p.pair();
    expect(p.snapshot().step.kind).toBe('passkey');
    expect(b.names()).toEqual(['ble:scan']);
    for (const d of '000123') p.press(d);
    await p.submitPasskey();
    expect(b.calls.at(-1)).toEqual(['ble:pair', { address: THERMO, driver: 'ble-thermometer', passkey: '000123' }]);
    expect(p.snapshot().step.kind).toBe('paired');
  });

  it('failed: the detail kept as technical text, and « Réessayer » goes back to the pairing-mode words', async () => {
    const err: Result<CallOutput<'ble:pair'>> = { ok: false, error: { code: 'assistant-only', message: 'Assistant mode is locked.' } };
    const b = fakeBridge({ 'ble:pair': [{ state: 'failed', detail: 'org.bluez.Error.AuthenticationFailed' }, err, { state: 'failed' }] });
    const p = new BlePairing(b.call);
    await p.open();
    p.choose(CUFF, 'ble-blood-pressure');
    await p.pair();
    expect(p.snapshot().step).toEqual({ kind: 'failed', address: CUFF, driver: 'ble-blood-pressure', detail: 'org.bluez.Error.AuthenticationFailed' });
    p.retry();
    expect(p.snapshot().step.kind).toBe('instructions');
    await p.pair();
    expect(p.snapshot().step).toMatchObject({ kind: 'failed', detail: 'Assistant mode is locked.' });
    await p.pair(); // straight from the failure too
    expect(p.snapshot().step).toEqual({ kind: 'failed', address: CUFF, driver: 'ble-blood-pressure' });
  });

  it('an answer that comes after the assistant cancelled is dropped', async () => {
    const b = fakeBridge({ 'ble:pair': [{ state: 'paired' }] });
    const p = new BlePairing(b.call);
    await p.open();
    p.choose(CUFF, 'ble-blood-pressure');
    b.hold(true);
    const done = p.pair();
    await Promise.resolve();
    p.cancel();
    b.release();
    await done;
    expect(p.snapshot().step).toEqual({ kind: 'idle' });
  });

  it('forget asks first: « Non » sends nothing, « Oui » forgets the one device', async () => {
    const b = fakeBridge({ 'ble:forget': [{ state: 'forgotten' }, { state: 'failed', detail: 'bluetoothd is not running' }] });
    const p = new BlePairing(b.call);
    await p.open();
    await p.forget(); // nothing confirmed: nothing sent
    p.askForget(CUFF);
    expect(p.snapshot().step).toEqual({ kind: 'confirm-forget', address: CUFF });
    p.cancel();
    expect(b.names()).toEqual(['ble:scan']);
    p.askForget(CUFF);
    const done = p.forget();
    expect(p.snapshot().step.kind).toBe('forgetting');
    await done;
    expect(b.calls.at(-1)).toEqual(['ble:forget', { address: CUFF }]);
    expect(p.snapshot().step).toEqual({ kind: 'forgotten', address: CUFF });
    p.askForget(CUFF);
    await p.forget();
    expect(p.snapshot().step).toEqual({ kind: 'forget-failed', address: CUFF, detail: 'bluetoothd is not running' });
  });
});

describe('the device in hand', () => {
  it('stays listed with its outcome after it leaves the list (forgotten, no longer advertising), until closed', async () => {
    const b = fakeBridge({ 'ble:forget': [{ state: 'forgotten' }] });
    const p = new BlePairing(b.call);
    await p.open();
    p.update({ ...VIEW, assigned: [{ address: CUFF, driver: 'ble-blood-pressure', assignedAt: 1 }] });
    p.askForget(CUFF);
    await p.forget();
    p.update({ ...VIEW, nearby: VIEW.nearby.filter((n) => n.address !== CUFF) });
    const { view, held, step } = p.snapshot();
    const row = bleRows(view, held).find((r) => r.address === CUFF);
    expect(step.kind).toBe('forgotten');
    expect(row).toMatchObject({ assigned: false, supported: true, nearby: { name: 'BLEsmart_0000', rssi: undefined } });
    p.cancel();
    expect(p.snapshot().held).toBeUndefined();
  });
});

describe('the Bluetooth list', () => {
  it('signal strength as 0–4 bars, unknown without a fresh RSSI', () => {
    expect([-40, -60, -61, -70, -75, -85, -95, -127].map(signalBars)).toEqual([4, 4, 3, 3, 2, 1, 0, 0]);
    expect(signalBars(undefined)).toBeUndefined();
  });

  it("the cabin's devices first (even out of range), then the supported ones by signal, then the others", () => {
    const view: BleView = { ...VIEW, assigned: [{ address: 'A0:00:00:00:00:01', driver: 'ble-weight-scale', assignedAt: 1 }, { address: THERMO, driver: 'ble-thermometer', assignedAt: 2 }] };
    const rows = bleRows(view);
    expect(rows.map((r) => [r.address, r.assigned, r.supported])).toEqual([
      [THERMO, true, true],
      ['A0:00:00:00:00:01', true, true],
      [CUFF, false, true],
      [PHONE, false, false],
    ]);
    expect(rows[1]!.nearby).toBeUndefined();
    expect(rows[1]!.driver).toBe('ble-weight-scale');
    expect(bleRows(undefined)).toEqual([]);
  });
});
