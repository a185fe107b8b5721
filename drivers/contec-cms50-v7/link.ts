import type { Frame, Link } from '../../src/shared/driver.ts';

/** A V7.0 downlink control package: `7D <high byte> <cmd> 00×6`, every data byte sent with bit 7 set. */
export function controlCommand(cmd: number): Frame {
  const hi = 0x80 | ((cmd >> 7) & 1);
  return { kind: 'data', bytes: [0x7d, hi, 0x80 | (cmd & 0x7f), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80] };
}

const START = controlCommand(0xa1);
const STOP = controlCommand(0xa2);
const STOP_STORAGE = controlCommand(0xa7);
const IDENTIFY = controlCommand(0xaa);
/** Model (0x02 reply), vendor (0x03) and protocol version (0x06): not in the V7.0 document; Contec's SpO2.exe asks them. */
const ASK_MODEL = controlCommand(0xa8);
const ASK_VENDOR = controlCommand(0xa9);
const ASK_VERSION = controlCommand(0xa0);
const KEEP_ALIVE = controlCommand(0xaf);

export const link: Link = {
  // Recommended connect sequence: end any storage or live transfer, ask who the device is (a device that does not
  // know a question answers 0x0B, skipped), then start live data.
  open: [STOP_STORAGE, STOP, ASK_MODEL, ASK_VENDOR, ASK_VERSION, START],
  // fw 4.6 stops streaming ~30 s after the last keep-alive; the document asks for one every ≤ 5 s.
  keepAlive: { everyMs: 4000, frames: [KEEP_ALIVE] },
  restartAfterSilence: { afterMs: 2000, frames: [START] },
  close: [STOP],
  commands: {
    start: { description: 'Start real-time data (A1)', frames: [START], stream: 'start' },
    stop: { description: 'Stop real-time data (A2)', frames: [STOP], stream: 'stop' },
    identify: { description: 'Ask the device identifier (AA); answered with a 0x04 package', frames: [IDENTIFY] },
  },
};
