import type { Driver, Frame } from '../src/shared/driver.ts';
import { LinkSession } from '../src/devices/link-session.ts';

/**
 * Records what a driver's simulator sends over `seconds` of simulated time, with the driver's link carried
 * out (start commands, keep-alive, polls) exactly as on a real port. Serial: byte chunks; HID: reports.
 */
export function recordDevice(driver: Driver, seconds: number, stepMs = 100, onChunk?: (c: Uint8Array) => void): Uint8Array[] {
  const sim = driver.createSimulator();
  const out: Uint8Array[] = [];
  const keep = (c: Uint8Array): void => {
    if (onChunk) onChunk(c);
    else out.push(c);
  };
  let now = 0;
  const replies: Uint8Array[] = [];
  const session = new LinkSession(driver, {
    send: (f) => replies.push(...sim.receive(f, now)),
    emit: () => {},
  });
  const deliver = (chunks: Uint8Array[]): void => {
    for (const c of chunks) {
      keep(c);
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
  return out;
}

/** What crossed the link, in order: frames the host sent and bytes (or reports) the device sent. */
export type Step = { out: Frame } | { in: Uint8Array };

/** The whole conversation with a simulated device, for replaying request/response protocols. */
export function recordTranscript(driver: Driver, seconds: number): Step[] {
  const sim = driver.createSimulator();
  const steps: Step[] = [];
  let now = 0;
  const replies: Uint8Array[] = [];
  const session = new LinkSession(driver, {
    send: (f) => {
      steps.push({ out: f });
      replies.push(...sim.receive(f, now));
    },
    emit: () => {},
  });
  const deliver = (chunks: Uint8Array[]): void => {
    for (const c of chunks) {
      steps.push({ in: c });
      session.onData(c, now);
    }
  };
  session.start(0);
  for (now = 0; now <= seconds * 1000; now += 100) {
    session.tick(now);
    for (let g = 0; replies.length > 0 && g < 100; g++) deliver(replies.splice(0));
    deliver(sim.advance(now));
    for (let g = 0; replies.length > 0 && g < 100; g++) deliver(replies.splice(0));
  }
  return steps;
}

/** Repeats recorded chunks until at least `minBytes` are there. */
export function repeatTo(chunks: readonly Uint8Array[], minBytes: number): Uint8Array[] {
  const size = chunks.reduce((n, c) => n + c.length, 0);
  if (size === 0) throw new Error('the simulator produced no bytes');
  const out: Uint8Array[] = [];
  for (let total = 0; total < minBytes; total += size) out.push(...chunks);
  return out;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
