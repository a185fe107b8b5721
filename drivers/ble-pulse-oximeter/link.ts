import type { BleLink } from '../../src/shared/driver.ts';
import { IDENTITY_AND_CLOCK_READS } from '../_ble/session.ts';
import { UUID } from '../_ble/uuid.ts';

const plx = UUID.pulseOximeter;

export const link: BleLink = {
  read: [...IDENTITY_AND_CLOCK_READS, { service: plx, characteristic: UUID.plxFeatures, optional: true }],
  subscribe: [
    // A device has one or both: a spot-check oximeter indicates 0x2A5E, a monitoring one notifies 0x2A5F.
    { service: plx, characteristic: UUID.plxSpotCheck, mode: 'indicate', optional: true },
    { service: plx, characteristic: UUID.plxContinuous, mode: 'notify', optional: true },
  ],
  // A spot-check device stays connected a while after its indication: let it go once it is quiet.
  idleDisconnectMs: 10_000,
  commands: {},
};
