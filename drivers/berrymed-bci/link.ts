import type { BleLink } from '../../src/shared/driver.ts';
import { IDENTITY_AND_CLOCK_READS } from '../_ble/session.ts';
import { BCI } from './uuids.ts';

/** Streams from the subscription on; BCI has no command and no clock (the reads are optional and usually absent). */
export const link: BleLink = {
  read: [...IDENTITY_AND_CLOCK_READS],
  subscribe: [{ service: BCI.service, characteristic: BCI.notify, mode: 'notify' }],
  commands: {},
};
