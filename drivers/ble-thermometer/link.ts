import type { BleLink } from '../../src/shared/driver.ts';
import { IDENTITY_AND_CLOCK_READS } from '../_ble/session.ts';
import { UUID } from '../_ble/uuid.ts';
import { INTERMEDIATE_TEMPERATURE } from './manifest.ts';

/**
 * Identity, clock and the fixed measurement site (0x2A1D) read first; measurements indicated, intermediate readings
 * (where the device has them) notified. No writes of its own.
 */
export const link: BleLink = {
  read: [...IDENTITY_AND_CLOCK_READS, { service: UUID.healthThermometer, characteristic: UUID.temperatureType, optional: true }],
  subscribe: [
    { service: UUID.healthThermometer, characteristic: UUID.temperatureMeasurement, mode: 'indicate' },
    { service: UUID.healthThermometer, characteristic: INTERMEDIATE_TEMPERATURE, mode: 'notify', optional: true },
  ],
  commands: {},
};
