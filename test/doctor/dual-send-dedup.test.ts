import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCabinEvent, type CabinEventDeps } from '../../src/doctor/call/cabin-events.ts';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import { ObservationLog, type Observation } from '../../src/doctor/call/observations.ts';
import { WaveformStreams } from '../../src/doctor/call/pleth.ts';
import { SnapshotAssembler } from '../../src/doctor/call/snapshot.ts';
import { routeTelemetry } from '../../src/doctor/call/telemetry-in.ts';
import { ReportQueue } from '../../src/doctor/state/report-queue.ts';
import type { ToHub } from '../../src/shared/hub-protocol.ts';
import { encodeObservationFrame } from '../../src/shared/observation-frame.ts';
import { encodeFrame } from '../../src/shared/telemetry.ts';

type Report = Extract<ToHub, { type: 'report' }>;
const obs = (id: string): Observation => ({ type: 'observation', id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1000 });
const frameOf = (o: Observation): ArrayBuffer => {
  const b = encodeObservationFrame(o)!;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

/** The console's path for both channels: events → applyCabinEvent; telemetry → routeTelemetry → applyCabinEvent; both → the report queue. */
function consoleSide() {
  const log = new ObservationLog();
  const sent: Report[] = [];
  const acked: string[] = [];
  const report = new ReportQueue({ consultationId: 'c1', send: (m) => (sent.push(m), true), ack: (ids) => acked.push(...ids) });
  const shown: string[] = [];
  const waves: ArrayBuffer[] = [];
  const deps: CabinEventDeps = {
    observations: log,
    onObservation: (o, fresh) => {
      if (fresh) shown.push(o.id);
      report.received(o);
    },
    waves: new WaveformStreams(),
    assembler: new SnapshotAssembler(),
    snapshotRequest: undefined,
    log: () => {},
  };
  const events = (o: Observation) => applyCabinEvent(initialCallSnapshot(), o, deps);
  const telemetry = (data: unknown) => routeTelemetry(data, { wave: (b) => waves.push(b), observation: (o) => events(o) });
  /** Sends every queued part and answers it (the hub stored it). */
  const drain = () => {
    for (let i = 0; i < 100 && report.pendingCount > 0; i++) {
      report.tick();
      const part = sent.at(-1)!;
      report.answered(part.ref!);
    }
  };
  return { log, sent, acked, shown, waves, events, telemetry, drain, report };
}

describe("the doctor's side keeps one copy of each observation from both channels", () => {
  it('a telemetry copy then the events copy (and resends): shown once, one report entry, acknowledged after the report', () => {
    const c = consoleSide();
    c.telemetry(frameOf(obs('a')));
    c.events(obs('a'));
    c.events(obs('a'));
    c.telemetry(frameOf(obs('a')));
    expect(c.log.count).toBe(1);
    expect(c.shown).toEqual(['a']);
    expect(c.acked).toEqual([]);
    c.drain();
    expect(c.sent.flatMap((p) => p.readings.map((r) => r.id))).toEqual(['a']);
    expect(c.acked).toEqual(['a']);
    // A late copy by either channel after the report: acknowledged again (the cabin's outbox forgets it), not reported again.
    c.telemetry(frameOf(obs('a')));
    c.report.tick();
    expect(c.sent.flatMap((p) => p.readings.map((r) => r.id))).toEqual(['a']);
  });

  it('any interleaving of copies over both channels reaches the report exactly once per id', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 80 }), (copies) => {
        const c = consoleSide();
        for (const [n, viaTelemetry, drainNow] of copies) {
          const o = obs(`id-${n}`);
          if (viaTelemetry) c.telemetry(frameOf(o));
          else c.events(o);
          if (drainNow) c.drain();
        }
        c.drain();
        const ids = new Set(copies.map(([n]) => `id-${n}`));
        const reported = c.sent.flatMap((p) => p.readings.map((r) => r.id));
        expect(reported.sort()).toEqual([...ids].sort());
        expect(c.shown.sort()).toEqual([...ids].sort());
        expect(c.log.count).toBe(ids.size);
      }),
    );
  });

  it('waveform frames still go to the pleth; garbage and text on telemetry are dropped without throwing', () => {
    const c = consoleSide();
    const wave = encodeFrame({ stream: 3, index: 0, samples: [1, 2] });
    c.telemetry(wave.buffer.slice(0) as ArrayBuffer);
    expect(c.waves).toHaveLength(1);
    for (const junk of ['{"type":"observation"}', null, 42, new ArrayBuffer(0), new Uint8Array([0x80, 1, 2]).buffer, new Uint8Array([0xff, 0x7b, 0x7d]).buffer]) {
      expect(() => c.telemetry(junk)).not.toThrow();
    }
    expect(c.waves).toHaveLength(1);
    expect(c.log.count).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const b = Uint8Array.of(0x80, ...bytes);
        expect(() => c.telemetry(b.buffer)).not.toThrow();
      }),
    );
  });
});
