import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBleDriver, findDriver } from '../../drivers/index.ts';
import { DEMO_SERIAL_DEVICES, demoConfig, loadKioskConfig } from '../../src/main/config.ts';
import { hashPin } from '../../src/main/session/pin.ts';

function file(content: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'cabin-cfg-')), 'cabin.json');
  writeFileSync(f, content);
  return f;
}

describe('kiosk config', () => {
  it('fills every default for a real cabin that has its PIN', () => {
    const c = loadKioskConfig(file(JSON.stringify({ assistantPinHash: hashPin('4821'), media: { stethoscope: 'USB Audio' } })));
    expect(c).toMatchObject({ demo: false, languages: ['fr', 'en', 'ar'], idle: { warnAfterS: 90, endAfterS: 30 }, retentionDays: 7, web: { host: '127.0.0.1' } });
    expect(c.checklist.length).toBeGreaterThan(0);
    expect(c.media.stethoscope).toBe('USB Audio');
  });

  it('refuses, in one sentence, a cabin without a PIN, an unknown key, a bad value and broken JSON', () => {
    expect(() => loadKioskConfig(file('{}'))).toThrow(/assistantPinHash.*npm run pin/);
    expect(() => loadKioskConfig(file('{"demo":true,"pin":"1234"}'))).toThrow(/Unrecognized key/);
    expect(() => loadKioskConfig(file('{"demo":true,"idle":{"warnAfterS":2}}'))).toThrow(/idle\.warnAfterS/);
    expect(() => loadKioskConfig(file('{ nope'))).toThrow(/not valid JSON/);
    expect(() => loadKioskConfig('/nonexistent/cabin.json')).toThrow(/does not exist/);
  });

  it('sends the cabin key in the clear only to a hub on this machine', () => {
    const pin = hashPin('4821');
    const hub = (url: string) => loadKioskConfig(file(JSON.stringify({ assistantPinHash: pin, hub: { url, cabinKeyFile: '/etc/cabin/key' } })));
    expect(hub('https://hub.example.org').hub?.url).toBe('https://hub.example.org');
    expect(hub('http://127.0.0.1:8440').hub?.url).toBe('http://127.0.0.1:8440');
    expect(hub('http://localhost:8440/').hub?.url).toBe('http://localhost:8440/');
    expect(() => hub('http://hub.example.org')).toThrow(/https:\/\/ URL/);
    expect(() => hub('http://127.0.0.1.evil.org')).toThrow(/https:\/\/ URL/);
    expect(() => loadKioskConfig(file(JSON.stringify({ assistantPinHash: pin, hub: { url: 'https://h.org' } })))).toThrow(/exactly one of cabinKey and cabinKeyFile/);
  });

  it('gives the demo simulated Bluetooth devices of every exam category, and the serial ones on request', () => {
    expect(demoConfig().devices.simulate.map((s) => s.driver)).toEqual(['berrymed-bci', 'ble-blood-pressure', 'ble-thermometer', 'ble-weight-scale']);
    const categories = demoConfig().devices.simulate.map((s) => findBleDriver(s.driver)?.manifest.category);
    expect(categories).toEqual(['oximeter', 'blood-pressure', 'thermometer', 'scale']);
    expect(DEMO_SERIAL_DEVICES.map((s) => findDriver(s.driver)?.manifest.category)).toEqual(['oximeter', 'blood-pressure', 'thermometer', 'scale']);
  });
});
