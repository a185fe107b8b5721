import type { Link } from '../../src/shared/driver.ts';
import { FORMAT_DF8, selectFormatFrame } from '../_nonin/protocol.ts';

/** Select DF8 on open (the device answers ACK/NAK and streams; no keep-alive, nothing on close). */
export const link: Link = {
  open: [selectFormatFrame(FORMAT_DF8)],
  close: [],
  commands: {
    'select-format': {
      description: 'Switch the oximeter to data format 8 (02 70 02 02 08 03); stored in its memory',
      frames: [selectFormatFrame(FORMAT_DF8)],
    },
  },
};
