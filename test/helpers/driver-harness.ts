import fc from 'fast-check';
import { expect } from 'vitest';
import { DeviceEventSchema, type DeviceEvent } from '../../src/shared/device-event.ts';
import { inRange } from '../../src/shared/catalogue.ts';
import type { Driver, Frame, SimulatorValues } from '../../src/shared/driver.ts';
import { LinkSession } from '../../src/devices/link-session.ts';

/**
 * Shared test harness for drivers: runs a driver's link against its own simulator on a simulated clock,
 * exactly as the device manager does with real ports, and checks the decoder contract.
 */

export interface SessionOptions {
  scenario?: string;
  durationMs: number;
  stepMs?: number;
  /** Re-cuts the device's serial byte stream (HID reports are never re-cut). */
  chunk?: (bytes: Uint8Array) => Uint8Array[];
  /** Changes to the simulated values at given times. */
  changes?: { atMs: number; values: SimulatorValues }[];
  /** Link commands issued at given times. */
  commands?: { atMs: number; name: string }[];
  /** Bytes inserted into the device's stream at given times (garbage, line noise). */
  inject?: { atMs: number; bytes: Uint8Array }[];
}

export interface SessionResult {
  events: DeviceEvent[];
  /** Everything the host sent to the device. */
  sent: Frame[];
  /** Everything the device sent, in order (serial: the raw byte stream). */
  deviceBytes: Uint8Array[];
}

export function runSession(driver: Driver, opts: SessionOptions): SessionResult {
  const stepMs = opts.stepMs ?? 10;
  const sim = driver.createSimulator(opts.scenario);
  const events: DeviceEvent[] = [];
  const sent: Frame[] = [];
  const deviceBytes: Uint8Array[] = [];
  let now = 0;
  const pendingReplies: Uint8Array[] = [];
  const session = new LinkSession(driver, {
    send(frame) {
      sent.push(frame);
      pendingReplies.push(...sim.receive(frame, now));
    },
    emit(evs) {
      events.push(...evs);
    },
  });
  const deliver = (chunks: Uint8Array[]): void => {
    for (const c of chunks) {
      deviceBytes.push(c);
      const pieces = driver.manifest.transport === 'serial' && opts.chunk ? opts.chunk(c) : [c];
      for (const p of pieces) session.onData(p, now);
    }
  };
  const changes = [...(opts.changes ?? [])].sort((a, b) => a.atMs - b.atMs);
  const commands = [...(opts.commands ?? [])].sort((a, b) => a.atMs - b.atMs);
  const inject = [...(opts.inject ?? [])].sort((a, b) => a.atMs - b.atMs);
  session.start(now);
  for (now = 0; now <= opts.durationMs; now += stepMs) {
    while (changes.length && changes[0]!.atMs <= now) sim.set(changes.shift()!.values);
    while (commands.length && commands[0]!.atMs <= now) session.command(commands.shift()!.name, now);
    if (inject.length && inject[0]!.atMs <= now) deliver([inject.shift()!.bytes]);
    session.tick(now);
    // Replies may trigger further requests (request/response protocols): drain until quiet.
    for (let guard = 0; pendingReplies.length > 0 && guard < 100; guard++) {
      deliver(pendingReplies.splice(0));
    }
    deliver(sim.advance(now));
    for (let guard = 0; pendingReplies.length > 0 && guard < 100; guard++) {
      deliver(pendingReplies.splice(0));
    }
  }
  return { events, sent, deviceBytes };
}

/** Cuts a byte array at the given boundaries (sorted, deduplicated, inside the array). */
export function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Decodes a whole stream, pushed in the given chunks, with one decoder. */
export function decodeChunks(driver: Driver, chunks: readonly Uint8Array[], nowMs = 0): DeviceEvent[] {
  const d = driver.createDecoder();
  const events: DeviceEvent[] = [];
  for (const c of chunks) events.push(...d.push(c, nowMs));
  return events;
}

/** Concatenated waveform samples of a code, in order. */
export function samplesOf(events: readonly DeviceEvent[], code = 'MDC_PULS_OXIM_PLETH'): number[] {
  const out: number[] = [];
  for (const e of events) if (e.kind === 'waveform' && e.code === code) out.push(...e.samples);
  return out;
}

/** The events with waveforms merged away: what must not depend on chunking. */
export function nonWaveform(events: readonly DeviceEvent[]): DeviceEvent[] {
  return events.filter((e) => e.kind !== 'waveform');
}

/** Every event is schema-valid, uses a code of the manifest, and every observation is in range. */
export function expectValidEvents(driver: Driver, events: readonly DeviceEvent[]): void {
  for (const e of events) {
    const parsed = DeviceEventSchema.safeParse(e);
    expect(parsed.success, JSON.stringify(e)).toBe(true);
    if (e.kind === 'observation') {
      expect(driver.manifest.codes).toContain(e.code);
      // Serial drivers never send an absent reason (only BLE's IEEE 11073 special values are one): always a number in range.
      expect(e.absent, `${e.code} absent`).toBeUndefined();
      expect(e.value !== undefined && inRange(e.code, e.value), `${e.code}=${e.value} out of range`).toBe(true);
    }
    if (e.kind === 'waveform') {
      expect(driver.manifest.codes).toContain(e.code);
      expect(e.samples.length).toBeGreaterThan(0);
    }
  }
}

/** Property: random bytes never make the decoder throw, and whatever it emits is valid. */
export function checkFuzz(driver: Driver, runs = 300): void {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
      const d = driver.createDecoder();
      const events: DeviceEvent[] = [];
      for (const c of chunks) events.push(...d.push(c, 0));
      d.takeOutgoing?.();
      expectValidEvents(driver, events);
    }),
    { numRuns: runs },
  );
}

/** Property: any chunking of a recorded stream decodes to the same events and samples. */
export function checkChunking(driver: Driver, stream: Uint8Array, runs = 100): void {
  const whole = decodeChunks(driver, [stream]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 60 }), (cuts) => {
      const ev = decodeChunks(driver, cutAt(stream, cuts));
      expect(nonWaveform(ev)).toEqual(nonWaveform(whole));
      expect(samplesOf(ev)).toEqual(samplesOf(whole));
    }),
    { numRuns: runs },
  );
}
