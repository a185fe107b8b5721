import type { BleLink } from '../../src/shared/driver.ts';
import { IDENTITY_AND_CLOCK_READS } from '../_ble/session.ts';
import { UUID } from '../_ble/uuid.ts';
import { BP_RECORD } from './manifest.ts';

const bp = UUID.bloodPressure;

/**
 * Reads identity, clock, the feature bits and A&D's Date Time; subscribes to measurements (and, where present,
 * intermediate cuff pressure, BPS 1.1 records and the record access point, last so it is on before any request).
 * The only writes are the decoder's: Current Time (BleCommon) and the record request.
 */
export const link: BleLink = {
  read: [
    ...IDENTITY_AND_CLOCK_READS,
    { service: bp, characteristic: UUID.bloodPressureFeature, optional: true },
    { service: bp, characteristic: UUID.dateTime, optional: true },
  ],
  subscribe: [
    { service: bp, characteristic: UUID.bloodPressureMeasurement, mode: 'indicate' },
    { service: bp, characteristic: UUID.intermediateCuffPressure, mode: 'notify', optional: true },
    { service: bp, characteristic: BP_RECORD, mode: 'indicate', optional: true },
    { service: bp, characteristic: UUID.recordAccess, mode: 'indicate', optional: true },
  ],
  commands: {},
};
