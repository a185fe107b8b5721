import type { DeviceView } from '../../shared/bridge.ts';

/** What the patient is told about a device's signal (translated under `signal.`). */
export type Signal =
  | 'finger-out'
  | 'probe-off'
  | 'searching'
  | 'measuring'
  | 'press-start'
  | 'done'
  | 'ready'
  | 'use-device'
  | 'receiving'
  | 'low-perfusion'
  | 'artifact'
  | 'sensor-fault'
  | 'low-battery'
  | 'error'
  | 'connecting'
  | 'reconnecting'
  | 'not-connected';

/** A Bluetooth LE device (simulated ones included: they have an address and a `sim-ble:` path). */
export function isBluetooth(device: Pick<DeviceView, 'transport' | 'address' | 'path'>): boolean {
  return device.transport === 'ble' || device.address !== undefined || device.path.startsWith('sim-ble:');
}

/** How the state is coloured: fine, wait, act, call the assistant. */
export type Tone = 'ok' | 'busy' | 'warn' | 'bad';

/**
 * The signal state in words, from the device's link state and last status. `hasValue`: the step already
 * shows a reading from it (a status of `ok` then means the measurement is done).
 */
export function signalState(device: DeviceView | undefined, hasValue: boolean): { signal: Signal; tone: Tone } {
  if (!device || device.link === 'detached') return { signal: 'not-connected', tone: 'bad' };
  if (device.link === 'connecting') return { signal: 'connecting', tone: 'busy' };
  if (device.link === 'reconnecting') return { signal: 'reconnecting', tone: 'warn' };
  if (device.link === 'error') return { signal: 'error', tone: 'bad' };
  // A Bluetooth device that connects only to send a measurement: waiting for the patient to take one is normal.
  if (device.link === 'waiting') return hasValue ? { signal: 'done', tone: 'ok' } : { signal: 'use-device', tone: 'busy' };
  switch (device.status) {
    case 'probe-off':
      return { signal: device.category === 'oximeter' ? 'finger-out' : 'probe-off', tone: 'warn' };
    case 'searching':
      return { signal: 'searching', tone: 'busy' };
    case 'measuring':
      return { signal: device.detail === 'press-start' ? 'press-start' : 'measuring', tone: 'busy' };
    case 'low-perfusion':
    case 'artifact':
    case 'low-battery':
      return { signal: device.status, tone: 'warn' };
    case 'sensor-fault':
    case 'error':
      return { signal: device.status, tone: 'bad' };
    case 'ok':
    case undefined:
      if (hasValue) return { signal: 'done', tone: 'ok' };
      // Connected over Bluetooth without a value yet: the device is sending its measurement (an oximeter streams).
      if (isBluetooth(device) && device.category !== 'oximeter') return { signal: 'receiving', tone: 'busy' };
      return device.category === 'oximeter' ? { signal: 'searching', tone: 'busy' } : { signal: 'ready', tone: 'busy' };
  }
}
