import type { Link } from '../../src/shared/driver.ts';

/** The legacy device streams live data from power-on: nothing to send, no keep-alive. */
export const link: Link = {
  open: [],
  close: [],
  commands: {},
};
