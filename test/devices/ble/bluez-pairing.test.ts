/**
 * Pairing through BluezCentral's own org.bluez.Agent1, against the fake bluetoothd: its Pair calls the agent
 * registered by the caller (RequestPasskey / RequestConfirmation / RequestAuthorization) the way bluetoothd
 * does for each association model. It proves the agent's answers and the mapping of failures, not real
 * bonding (no keys, no encryption, no Security Manager timing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BluezCentral } from '../../../src/devices/ble/bluez/central.ts';
import { startFakeBluez, type FakeBluez } from '../../helpers/fake-bluez/index.ts';

const CUFF = 'A4:C1:38:00:11:22';
const STRANGER = '66:55:44:33:22:11';
const pathOf = (a: string): string => `/org/bluez/hci0/dev_${a.replace(/:/g, '_')}`;

let fake: FakeBluez | undefined;
let central: BluezCentral | undefined;

afterEach(async () => {
  await central?.stop();
  central = undefined;
  await fake?.stop();
  fake = undefined;
});

async function setUp(pairTimeoutMs?: number): Promise<{ f: FakeBluez; c: BluezCentral }> {
  const f = await startFakeBluez();
  fake = f;
  await f.addAdapter();
  await f.addDevice(CUFF, { name: 'BLESmart_00000116', uuids: ['00001810-0000-1000-8000-00805f9b34fb'] });
  await f.addDevice(STRANGER, { name: 'Phone' });
  central = new BluezCentral({ busAddress: f.address, pairTimeoutMs });
  await central.start();
  return { f, c: central };
}

const paired = (f: FakeBluez, a: string): Promise<unknown> => f.property(pathOf(a), 'org.bluez.Device1', 'Paired');
const trusted = (f: FakeBluez, a: string): Promise<unknown> => f.property(pathOf(a), 'org.bluez.Device1', 'Trusted');

describe('BluezCentral: pairing', () => {
  it('registers its agent as KeyboardDisplay and as the default agent', async () => {
    const { f } = await setUp();
    expect(await f.agents()).toEqual({ '/org/cabin/bluez/agent': 'KeyboardDisplay' });
    expect(await f.defaultAgent()).toBe('/org/cabin/bluez/agent');
  });

  it('answers RequestPasskey with the typed passkey, then trusts the bonded device', async () => {
    const { f, c } = await setUp();
    await f.setPairing(CUFF, 'passkey', 123);
    expect(await c.pair(CUFF.toLowerCase(), '000123')).toEqual({ ok: true });
    expect(await paired(f, CUFF)).toBe(true);
    expect(await trusted(f, CUFF)).toBe(true);
    expect(await trusted(f, STRANGER)).toBe(false);
    expect(await c.pair(CUFF)).toEqual({ ok: true }); // already bonded: nothing to do
  });

  it('says a passkey is needed when the device asks for one and none was typed', async () => {
    const { f, c } = await setUp();
    await f.setPairing(CUFF, 'passkey', 654321);
    expect(await c.pair(CUFF)).toEqual({ ok: false, reason: 'passkey-needed', detail: 'The device asks for the passkey it shows: type it and pair again.' });
    expect(await c.pair(CUFF, '12a456')).toMatchObject({ ok: false, reason: 'passkey-needed' });
    expect(await paired(f, CUFF)).toBe(false);
  });

  it('reports a wrong passkey and a refusing device as rejected', async () => {
    const { f, c } = await setUp();
    await f.setPairing(CUFF, 'passkey', 654321);
    expect(await c.pair(CUFF, '111111')).toMatchObject({ ok: false, reason: 'rejected', detail: expect.stringMatching(/refused the passkey/) });
    await f.setPairing(CUFF, 'fail');
    expect(await c.pair(CUFF)).toMatchObject({ ok: false, reason: 'rejected', detail: 'The device refused pairing: put it in pairing mode and try again.' });
    expect(await paired(f, CUFF)).toBe(false);
    expect(await trusted(f, CUFF)).toBe(false);
  });

  it('accepts "just works" and numeric comparison for the device being paired', async () => {
    const { f, c } = await setUp();
    await f.setPairing(CUFF, 'just-works');
    expect(await c.pair(CUFF)).toEqual({ ok: true });
    await f.setPairing(STRANGER, 'confirm', 424242);
    expect(await c.pair(STRANGER)).toEqual({ ok: true });
    expect(f.log()).toMatch(/Pair/);
  });

  it('rejects every agent request that is not for the device being paired right now', async () => {
    const { f } = await setUp();
    expect(await f.callAgent('RequestAuthorization', 'o', [pathOf(STRANGER)])).toBe('org.bluez.Error.Rejected');
    expect(await f.callAgent('RequestPasskey', 'o', [pathOf(STRANGER)])).toBe('org.bluez.Error.Rejected');
    expect(await f.callAgent('RequestConfirmation', 'ou', [pathOf(CUFF), 123456])).toBe('org.bluez.Error.Rejected');
    expect(await f.callAgent('AuthorizeService', 'os', [pathOf(CUFF), '00001810-0000-1000-8000-00805f9b34fb'])).toBe('org.bluez.Error.Rejected');
    expect(await f.callAgent('RequestPasskey', 'u', [42])).toBe('org.bluez.Error.Rejected'); // malformed: not an object path
    expect(await f.callAgent('Cancel', '', [])).toBe('');
  });

  it('gives up on a device that never answers, and cancels the pairing', async () => {
    const { f, c } = await setUp(500);
    await f.setPairing(CUFF, 'hang');
    const t0 = Date.now();
    expect(await c.pair(CUFF)).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(f.log()).toMatch(/CancelPairing/);
    // The agent no longer accepts for that device once the attempt is over.
    expect(await f.callAgent('RequestAuthorization', 'o', [pathOf(CUFF)])).toBe('org.bluez.Error.Rejected');
  });

  it('says which device is unknown', async () => {
    const { c } = await setUp();
    expect(await c.pair('00:00:00:00:00:09')).toMatchObject({ ok: false, reason: 'not-found' });
  });
});
