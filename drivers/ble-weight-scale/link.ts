import type { BleLink } from '../../src/shared/driver.ts';
import { IDENTITY_AND_CLOCK_READS } from '../_ble/session.ts';
import { UUID } from '../_ble/uuid.ts';

/** Identity, clock and the feature (the resolutions) read first; weighings indicated. No writes of its own. */
export const link: BleLink = {
  read: [...IDENTITY_AND_CLOCK_READS, { service: UUID.weightScale, characteristic: UUID.weightScaleFeature, optional: true }],
  subscribe: [{ service: UUID.weightScale, characteristic: UUID.weightMeasurement, mode: 'indicate' }],
  commands: {},
};
