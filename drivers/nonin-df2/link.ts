import type { Link } from '../../src/shared/driver.ts';
import { FORMAT_DF2, selectFormatFrame } from '../_nonin/protocol.ts';

/** Select DF2 on open (the device answers ACK/NAK and streams; no keep-alive, nothing on close). */
export const link: Link = {
  open: [selectFormatFrame(FORMAT_DF2)],
  close: [],
  commands: {
    'select-format': {
      description: 'Switch the oximeter to data format 2 (02 70 02 02 02 03); stored in its memory',
      frames: [selectFormatFrame(FORMAT_DF2)],
    },
  },
};
