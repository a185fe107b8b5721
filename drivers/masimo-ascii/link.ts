import type { Link } from '../../src/shared/driver.ts';

/** ASCII 1 output streams on its own once selected on the monitor (Setup level 3 → "SEr" → AS1); it reads nothing. */
export const link: Link = {
  open: [],
  close: [],
  commands: {},
};
