import type { Link } from '../../src/shared/driver.ts';

/**
 * The scale pushes one line after each measurement and needs nothing sent (PC-mode commands are not used).
 * No frameless "measure" command: its host-side status would never be cleared by the decoder's emitter.
 */
export const link: Link = {
  open: [],
  close: [],
  commands: {},
};
