import type { Driver, Frame } from '../src/shared/driver.ts';
import { LinkSession } from '../src/devices/link-session.ts';

/** What crossed the link, in order: frames the host sent and bytes (or reports) the device sent. */
export type Step = { out: Frame } | { in: Uint8Array };

/**
 * The whole conversation with a simulated device over `seconds` of simulated time, with the driver's link
 * carried out (start commands, keep-alive, polls) exactly as on a real port. Large recordings pass each step
 * to `onStep` instead of keeping them.
 */
export function recordTranscript(driver: Driver, seconds: number, stepMs = 100, onStep?: (s: Step) => void): Step[] {
  const sim = driver.createSimulator();
  const steps: Step[] = [];
  const keep = onStep ?? ((st: Step) => steps.push(st));
  let now = 0;
  const replies: Uint8Array[] = [];
  const session = new LinkSession(driver, {
    send: (f) => {
      keep({ out: f });
      replies.push(...sim.receive(f, now));
    },
    emit: () => {},
  });
  const deliver = (chunks: Uint8Array[]): void => {
    for (const c of chunks) {
      keep({ in: c });
      session.onData(c, now);
    }
  };
  session.start(0);
  for (now = 0; now <= seconds * 1000; now += stepMs) {
    session.tick(now);
    for (let g = 0; replies.length > 0 && g < 100; g++) deliver(replies.splice(0));
    deliver(sim.advance(now));
    for (let g = 0; replies.length > 0 && g < 100; g++) deliver(replies.splice(0));
  }
  return steps;
}
