import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../../src/shared/bridge.ts';
import { DEVICE_STATUSES } from '../../src/shared/device-event.ts';
import { signalState } from '../../src/renderer/exam/signal.ts';
import { TRANSLATIONS } from '../../src/renderer/i18n/index.ts';

const device = (over: Partial<DeviceView> = {}): DeviceView => ({
  id: 'contec-cms50-v7@sim0',
  driver: 'contec-cms50-v7',
  name: 'Contec CMS50',
  category: 'oximeter',
  transport: 'simulated',
  path: 'sim0',
  reason: 'simulated',
  commands: [],
  link: 'connected',
  ...over,
});

describe('signal state in words', () => {
  it('says "finger out" for an oximeter whose probe is off, "sensor not in place" for another device', () => {
    expect(signalState(device({ status: 'probe-off' }), true).signal).toBe('finger-out');
    expect(signalState(device({ status: 'probe-off', category: 'thermometer' }), false).signal).toBe('probe-off');
  });

  it('says searching, measuring, done', () => {
    expect(signalState(device({ status: 'searching' }), false)).toEqual({ signal: 'searching', tone: 'busy' });
    expect(signalState(device({ status: 'measuring' }), false)).toEqual({ signal: 'measuring', tone: 'busy' });
    expect(signalState(device({ status: 'ok' }), true)).toEqual({ signal: 'done', tone: 'ok' });
  });

  it('asks to press START when the cuff waits for it', () => {
    const cuff = device({ category: 'blood-pressure', status: 'measuring', detail: 'press-start' });
    expect(signalState(cuff, true).signal).toBe('press-start');
  });

  it('an oximeter without a value is still searching; a cuff without one is ready', () => {
    expect(signalState(device(), false).signal).toBe('searching');
    expect(signalState(device({ category: 'blood-pressure' }), false).signal).toBe('ready');
  });

  it('the link state wins over the last status', () => {
    expect(signalState(device({ link: 'reconnecting', status: 'ok' }), true)).toEqual({ signal: 'reconnecting', tone: 'warn' });
    expect(signalState(device({ link: 'error', status: 'ok' }), true).tone).toBe('bad');
    expect(signalState(device({ link: 'detached' }), true).signal).toBe('not-connected');
    expect(signalState(undefined, false).signal).toBe('not-connected');
    expect(signalState(device({ link: 'connecting' }), false).signal).toBe('connecting');
  });

  it('every status and link state maps to a translated word', () => {
    const words = TRANSLATIONS.fr.signal as Record<string, string>;
    for (const status of [...DEVICE_STATUSES, undefined]) {
      for (const link of ['connected', 'connecting', 'reconnecting', 'error', 'detached'] as const) {
        for (const category of ['oximeter', 'blood-pressure', 'thermometer', 'scale']) {
          for (const hasValue of [true, false]) {
            const { signal } = signalState(device({ status, link, category }), hasValue);
            expect(words[signal], `${status}/${link}/${category}`).toBeTruthy();
          }
        }
      }
    }
  });
});
