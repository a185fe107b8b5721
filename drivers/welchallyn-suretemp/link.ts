import type { Frame, Link } from '../../src/shared/driver.ts';
import { CMD_SET_METHOD, CMD_TEMPERATURE_RECORD, TYPE_COMMAND, packet } from './packet.ts';

const frame = (bytes: number[]): Frame => ({ kind: 'data', bytes });

/** `03 02 10 94 1C 01 00 00 3A`: the module answers with its current temperature record. */
export const POLL = frame(packet(CMD_TEMPERATURE_RECORD, TYPE_COMMAND, []));

/**
 * The module is a slave that only answers commands: the record is polled every 500 ms (it updates every
 * 173 ms; faster polling would only repeat records). The method the module is set to is left as is on open.
 */
export const link: Link = {
  open: [],
  poll: { everyMs: 500, frames: [POLL] },
  close: [],
  commands: {
    'monitor-mode': {
      description: 'Monitor mode: direct reading of the probe once it has equilibrated (no prediction)',
      frames: [frame(packet(CMD_SET_METHOD, TYPE_COMMAND, [1]))],
    },
    'predict-mode': {
      description: 'Predict mode: the module predicts the final temperature within seconds (default)',
      frames: [frame(packet(CMD_SET_METHOD, TYPE_COMMAND, [0]))],
    },
  },
};
