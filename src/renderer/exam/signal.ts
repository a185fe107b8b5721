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
  | 'low-perfusion'
  | 'artifact'
  | 'sensor-fault'
  | 'low-battery'
  | 'error'
  | 'connecting'
  | 'reconnecting'
  | 'not-connected';

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
      return device.category === 'oximeter' ? { signal: 'searching', tone: 'busy' } : { signal: 'ready', tone: 'busy' };
  }
}
