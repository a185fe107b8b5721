import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ToCarrier } from '../../../src/browser/audio-readings-worker.ts';
import type { CarrierPort } from '../../../src/browser/carrier.ts';
import { AudioReadings, COALESCE_MS } from '../../../src/renderer/call/audio-readings.ts';
import { EventsLink } from '../../../src/renderer/call/events.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import type { Reading } from '../../../src/shared/bridge.ts';
import { decodeObservationBatch } from '../../../src/shared/observation-batch.ts';
import { FakeChannel, fakeCall, ok, settle } from './fakes.ts';

const reading = (id: string, code: Reading['code'] = 'MDC_PULS_OXIM_SAT_O2', value = 97): Reading => ({ id, deviceId: 'oxi@sim', code, value, unit: '%', t: 1000 });

class FakeWorker implements CarrierPort {
  alive = false;
  readonly posted: ToCarrier[] = [];
  /** The worker's script ran. */
  hello(): void {
    this.alive = true;
  }
  post(m: ToCarrier): void {
    this.posted.push(m);
  }
  listen(): void {}
  readings(): ArrayBuffer[] {
    return this.posted.flatMap((m) => (m.type === 'reading' ? [m.bytes] : []));
  }
}

const sender = (): RTCRtpSender => ({}) as RTCRtpSender;

describe('readings in the voice: the cabin side', () => {
  let worker: FakeWorker;
  let transformed: RTCRtpSender[];
  let stats: ReturnType<typeof newStats>;
  let audio: AudioReadings;

  beforeEach(() => {
    vi.useFakeTimers();
    worker = new FakeWorker();
    transformed = [];
    stats = newStats();
    audio = new AudioReadings({ carrier: () => worker, transform: (s) => void transformed.push(s), stats });
  });
  afterEach(() => {
    audio.close();
    vi.useRealTimers();
  });

  it("puts a new connection's voice through the worker only if it runs, and carries only after the console's word", async () => {
    // The worker has not said hello (its script may never load): the voice is left alone, nothing carried.
    const early = sender();
    audio.carryOn(early);
    audio.setReady(true);
    audio.observation(reading('a'));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await settle(() => false, 5);
    expect(transformed).toEqual([]);
    expect(worker.readings()).toHaveLength(0);
    // It runs: the next connection's voice goes through it (before its first frame), untouched until the console says.
    audio.setReady(false);
    worker.hello();
    const s = sender();
    audio.carryOn(s);
    expect(transformed).toEqual([s]);
    audio.observation(reading('b'));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await settle(() => false, 5);
    expect(worker.readings()).toHaveLength(0);
    audio.setReady(true);
    expect(worker.posted).toContainEqual({ type: 'carry', on: true });
    audio.observation(reading('c'));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await settle(() => worker.readings().length > 0);
    expect(worker.readings()).toHaveLength(1);
  });

  it('coalesces the readings of one instant into one deflated item that decodes to them', async () => {
    worker.hello();
    audio.carryOn(sender());
    audio.setReady(true);
    audio.observation(reading('spo2'));
    audio.observation(reading('pulse', 'MDC_PULS_OXIM_PULS_RATE', 72));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await settle(() => worker.readings().length > 0);
    const items = worker.readings();
    expect(items).toHaveLength(1);
    const batch = await decodeObservationBatch(items[0]!);
    expect(batch?.observations.map((o) => [o.id, o.value])).toEqual([
      ['spo2', 97],
      ['pulse', 72],
    ]);
    expect(stats.audioReadings).toBe(2);
  });

  it('stops at once when the channel changes (a new connection: its console has not said yet)', async () => {
    worker.hello();
    audio.carryOn(sender());
    audio.setReady(true);
    audio.observation(reading('a'));
    audio.setReady(false);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await settle(() => false, 5);
    expect(worker.readings()).toHaveLength(0);
    expect(worker.posted.at(-1)).toEqual({ type: 'carry', on: false });
  });

  it('without workers or encoded transforms the call goes on without it', async () => {
    const none = new AudioReadings({
      carrier: () => {
        throw new Error('Worker is not defined');
      },
      transform: () => {},
      stats,
    });
    expect(() => none.carryOn(sender())).not.toThrow();
    none.setReady(true);
    none.observation(reading('a'));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    none.close();
    worker.hello();
    const refusing = new AudioReadings({
      carrier: () => worker,
      transform: () => {
        throw new Error('RTCRtpScriptTransform is not defined');
      },
      stats,
    });
    expect(() => refusing.carryOn(sender())).not.toThrow();
    refusing.setReady(true);
    refusing.observation(reading('b'));
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await settle(() => false, 5);
    refusing.close();
    expect(worker.readings()).toHaveLength(0);
    expect(stats.audioReadings).toBe(0);
  });

  it("the events link tells the console's caps, and forgets them for every new channel", async () => {
    const told: boolean[] = [];
    const bridge = fakeCall({ 'outbox:pending': () => ok([]), 'outbox:ack': ({ ids }) => ok({ marked: ids.length }) });
    const link = new EventsLink({ call: bridge.call, grabSnapshot: async () => undefined, stats, onCaps: (c) => void told.push(c.audioReadings) });
    const ch = new FakeChannel();
    link.attach(ch);
    ch.open();
    ch.receive(JSON.stringify({ type: 'caps', audioReadings: true }));
    await settle(() => told.length >= 2);
    ch.receive(JSON.stringify({ type: 'caps', audioReadings: 'yes' }));
    link.attach(new FakeChannel());
    await settle(() => told.length >= 3);
    expect(told).toEqual([false, true, false]);
    link.close();
  });
});
