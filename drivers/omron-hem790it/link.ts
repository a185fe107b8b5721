import type { Link } from '../../src/shared/driver.ts';
import { BANK, clearFrames, endCommand, gdcCommand, modeFrame, toReports, verCommand } from './protocol.ts';

/** How often the reading count is polled: a new reading shows up within this time after the cuff ends. */
export const POLL_MS = 2000;

/**
 * Open: daily mode, clearing block, version (proves the meter answers). Poll: reading count of bank 0;
 * the decoder then asks for new readings itself (takeOutgoing). Close: END, the meter powers off.
 */
export const link: Link = {
  open: [modeFrame, ...clearFrames, ...toReports(verCommand)],
  poll: { everyMs: POLL_MS, frames: toReports(gdcCommand(BANK)) },
  close: toReports(endCommand),
  commands: {
    measure: {
      description: 'The cuff cannot be started over USB: ask the patient to press START',
      frames: [],
      status: { status: 'measuring', detail: 'press-start' },
    },
  },
};
