import type { BleLink } from '../../src/shared/driver.ts';
import { IDENTITY_AND_CLOCK_READS } from '../_ble/session.ts';
import { UUID } from '../_ble/uuid.ts';

const g = UUID.glucose;

export const link: BleLink = {
  read: [...IDENTITY_AND_CLOCK_READS, { service: g, characteristic: UUID.glucoseFeature, optional: true }],
  // In this order, all before the record request (microsoft/BluetoothLEExplorer#29, flutter_blue#830).
  subscribe: [
    { service: g, characteristic: UUID.glucoseMeasurement, mode: 'notify' },
    { service: g, characteristic: UUID.glucoseContext, mode: 'notify', optional: true },
    { service: g, characteristic: UUID.recordAccess, mode: 'indicate' },
  ],
  idleDisconnectMs: 15_000,
  commands: {},
};
