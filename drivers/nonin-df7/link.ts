import type { Link } from '../../src/shared/driver.ts';
import { FORMAT_DF7, selectFormatFrame } from '../_nonin/protocol.ts';

/** Select DF7 on open (the device answers ACK/NAK and streams; no keep-alive, nothing on close). */
export const link: Link = {
  open: [selectFormatFrame(FORMAT_DF7)],
  close: [],
  commands: {
    'select-format': {
      description: 'Switch the oximeter to data format 7 (02 70 02 02 07 03); stored in its memory',
      frames: [selectFormatFrame(FORMAT_DF7)],
    },
  },
};
