import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventsLink } from '../../../src/renderer/call/events.ts';
import { RESEND_IDLE_BUFFERED, RESEND_MAX_BUFFERED, RESEND_MS } from '../../../src/renderer/call/observations.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import type { Reading } from '../../../src/shared/bridge.ts';
import { FakeChannel, fakeCall, ok } from './fakes.ts';

const reading = (id: string): Reading => ({ id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1000 });

describe('events link on a slow link (issue 11)', () => {
  let ch: FakeChannel;
  let link: EventsLink;
  const obsIds = () => ch.messages().filter((m) => m.type === 'observation').map((m) => m.id);

  beforeEach(() => {
    vi.useFakeTimers();
    ch = new FakeChannel();
    const bridge = fakeCall({ 'outbox:pending': () => ok([]), 'outbox:ack': ({ ids }) => ok({ marked: ids.length }) });
    link = new EventsLink({ call: bridge.call, grabSnapshot: async () => undefined, stats: newStats() });
    link.attach(ch);
  });
  afterEach(() => {
    link.close();
    vi.useRealTimers();
  });

  it('does not resend while the channel still has data queued (it is on its way), and resends once it is quiet', async () => {
    ch.open();
    await vi.advanceTimersByTimeAsync(0);
    link.observation(reading('a'));
    expect(obsIds()).toEqual(['a']);
    ch.bufferedAmount = RESEND_IDLE_BUFFERED + 1;
    await vi.advanceTimersByTimeAsync(RESEND_MS * 5);
    expect(obsIds()).toEqual(['a']);
    // New readings still go at once: only the resends wait.
    link.observation(reading('b'));
    expect(obsIds()).toEqual(['a', 'b']);
    ch.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds()).toEqual(['a', 'b', 'a', 'b']);
    // A reopened channel still gets everything unacknowledged at once, whatever was queued on the old one.
    ch.bufferedAmount = RESEND_IDLE_BUFFERED + 1;
    ch.close();
    ch.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(obsIds().slice(4)).toEqual(['a', 'b']);
  });

  it('a reading held behind a cut and not sent yet goes at the next tick even while the channel is busy (it is not a resend)', async () => {
    ch.open();
    await vi.advanceTimersByTimeAsync(0);
    link.observation(reading('a'));
    link.setConnected(false);
    link.observation(reading('h'));
    ch.bufferedAmount = RESEND_MAX_BUFFERED + 1;
    link.setConnected(true);
    expect(obsIds()).toEqual(['a']);
    ch.bufferedAmount = RESEND_IDLE_BUFFERED + 1;
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds()).toEqual(['a', 'h']);
  });
});
