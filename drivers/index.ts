import type { BleDriver, Driver } from '../src/shared/driver.ts';
import { driver as contecV7 } from './contec-cms50-v7/index.ts';
import { driver as contecLegacy } from './contec-cms50-legacy/index.ts';
import { driver as noninDf2 } from './nonin-df2/index.ts';
import { driver as noninDf7 } from './nonin-df7/index.ts';
import { driver as noninDf8 } from './nonin-df8/index.ts';
import { driver as masimo } from './masimo-ascii/index.ts';
import { driver as tanita } from './tanita-serial/index.ts';
import { driver as sureTemp } from './welchallyn-suretemp/index.ts';
import { driver as omron } from './omron-hem790it/index.ts';
import { driver as berrymed } from './berrymed-bci/index.ts';
import { driver as bleBloodPressure } from './ble-blood-pressure/index.ts';
import { driver as bleGlucose } from './ble-glucose/index.ts';
import { driver as blePulseOximeter } from './ble-pulse-oximeter/index.ts';
import { driver as bleThermometer } from './ble-thermometer/index.ts';
import { driver as bleWeightScale } from './ble-weight-scale/index.ts';

/** Every driver, in the order probing tries them when USB ids are shared. */
export const DRIVERS: readonly Driver[] = [
  contecV7,
  contecLegacy,
  noninDf2,
  noninDf7,
  noninDf8,
  masimo,
  tanita,
  sureTemp,
  omron,
];

export function findDriver(id: string): Driver | undefined {
  return DRIVERS.find((d) => d.manifest.id === id);
}

/** Every Bluetooth LE driver, in the order advertisements are matched (vendor names before standard services). */
export const BLE_DRIVERS: readonly BleDriver[] = [berrymed, bleBloodPressure, bleThermometer, bleWeightScale, blePulseOximeter, bleGlucose];

export function findBleDriver(id: string): BleDriver | undefined {
  return BLE_DRIVERS.find((d) => d.manifest.id === id);
}

/** The ids of every driver, serial, HID and BLE (what a config may name). */
export const ALL_DRIVER_IDS: readonly string[] = [...DRIVERS, ...BLE_DRIVERS].map((d) => d.manifest.id);
