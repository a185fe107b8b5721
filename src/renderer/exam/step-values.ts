import type { DeviceView, Reading } from '../../shared/bridge.ts';
import { formatMeasure, measureAbsent, measureReadings, MEASURES, type Category, type Measure } from '../format/measures.ts';
import { isBluetooth, signalState, type Signal, type Tone } from './signal.ts';

export interface ShownValue {
  measure: Measure;
  /** undefined while this device has not given it. */
  text: string | undefined;
  /** The device measured and gave no number (its special value): « Pas de valeur », never a number. */
  absent?: true;
}

/** The one value each step is about; the others of its device are shown small, and only once they exist. */
export const MAIN_MEASURE: Record<Category, string> = { oximeter: 'spo2', 'blood-pressure': 'bp', thermometer: 'temperature', scale: 'weight', glucometer: 'glucose' };

/**
 * The small values a step may add to its main one: the pulse, which the patient's device measured with it. The
 * scale's height (set on the scale, not measured) and BMI wait for the summary: one number to read on that step.
 */
export const MINOR_ON_STEP: Record<Category, readonly string[]> = { oximeter: ['pulse'], 'blood-pressure': ['bp-pulse'], thermometer: [], scale: [], glucometer: ['glucose-gl'] };

/** The readings of one device only (a value of another device belongs to its own step). */
function ofDevice(readings: ReadonlyMap<string, Reading>, deviceId: string): ReadonlyMap<string, Reading> {
  return new Map([...readings].filter(([, r]) => r.deviceId === deviceId));
}

/** What a step shows: its main value (a dash while waiting) and, small, the device's other values it has sent. */
export function stepValues(category: Category, readings: ReadonlyMap<string, Reading>, deviceId: string, language: string): { main: ShownValue; minor: ShownValue[] } {
  const mine = ofDevice(readings, deviceId);
  const all = MEASURES[category].map((measure): ShownValue => ({ measure, text: formatMeasure(measure, mine, language), ...(measureAbsent(measure, mine) ? { absent: true as const } : {}) }));
  const main = all.find((v) => v.measure.id === MAIN_MEASURE[category]) ?? all[0]!;
  const minor = all.filter((v) => v !== main && v.text !== undefined && MINOR_ON_STEP[category].includes(v.measure.id));
  return { main, minor };
}

/**
 * Whether the patient took the step's main value here: `taken` for a measurement (a cuff, a thermometer, a scale:
 * its readings carry a measurement id) that arrived while the step was open; `live` for values streaming now (an
 * oximeter: a live value is no finished measurement); `none` otherwise, a value left from before included.
 * `before`: the ids of the readings already there when the step opened.
 */
export function measureState(category: Category, readings: ReadonlyMap<string, Reading>, deviceId: string, before: ReadonlySet<string>): 'taken' | 'live' | 'none' {
  const main = MEASURES[category].find((m) => m.id === MAIN_MEASURE[category])!;
  const parts = measureReadings(main, ofDevice(readings, deviceId));
  const fresh = parts.filter((r): r is Reading => !!r && !before.has(r.id));
  // A measurement the device gave without a number was not taken: never « Mesure réussie ».
  if (fresh.length < parts.length || fresh.some((r) => r.absent !== undefined)) return 'none';
  return fresh.every((r) => r.measurementId !== undefined) ? 'taken' : 'live';
}

/** The ids of the readings present now (what a step opening finds already there). */
export function readingIds(readings: ReadonlyMap<string, Reading>): ReadonlySet<string> {
  return new Set([...readings.values()].map((r) => r.id));
}

/**
 * The signal in words once the measure state is known: "Mesure réussie" only for a measurement taken here; values
 * streaming now read as a measurement going on, not as a search for the signal.
 */
export function stepSignal(device: DeviceView, state: 'taken' | 'live' | 'none'): { signal: Signal; tone: Tone } {
  const s = signalState(device, state === 'taken');
  if (state === 'live' && (s.signal === 'searching' || s.signal === 'ready')) return { signal: 'measuring', tone: 'ok' };
  return s;
}

/** Steps whose Bluetooth device the patient starts on the device itself (the cuff's START, the scale, as usual). */
const BLE_INSTRUCTION: ReadonlySet<Category> = new Set(['blood-pressure', 'thermometer', 'scale']);

/**
 * The instruction the step says and shows: a Bluetooth device has its own (nothing to touch on the screen, the
 * result comes by itself). Keyed `step.<category>-ble.instruction` so the voice pack's `step.*.instruction` says it.
 */
export function stepInstructionKey(category: Category, device: DeviceView): string {
  return isBluetooth(device) && BLE_INSTRUCTION.has(category) ? `step.${category}-ble.instruction` : `step.${category}.instruction`;
}
