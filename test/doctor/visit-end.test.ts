import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Call, CallOptions } from '../../src/doctor/call/call.ts';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import type { SocketLike } from '../../src/doctor/hub/client.ts';
import { ConsoleController } from '../../src/doctor/state/console.ts';
import type { FromHub, ToHub } from '../../src/shared/hub-protocol.ts';
import { view } from './fixtures/consultation-view.ts';

/** The hub's socket as the console sees it: what it sent, and frames the test pushes. */
class Socket implements SocketLike {
  readyState = 0;
  sent: ToHub[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  send(data: string): void {
    const m = JSON.parse(data) as ToHub;
    this.sent.push(m);
    if (m.type === 'ping') queueMicrotask(() => this.tell({ type: 'pong' }));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
    this.tell({ type: 'hello', role: 'doctor', id: 'd1', name: 'Dr Test' });
  }
  tell(m: FromHub): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

/** The WebRTC call, reduced to what the controller does to it. */
class FakeCall {
  hellos = 0;
  closed = false;
  forgot = 0;
  constructor(readonly o: CallOptions) {}
  hello(): void {
    if (!this.closed) this.hellos++;
  }
  ack(): void {}
  updateIceServers(): boolean {
    return true;
  }
  setEarlier(): void {}
  setLocalStream(): void {}
  handleSignal(): void {}
  forgetPatient(): void {
    this.forgot++;
  }
  onWaveform(): () => void {
    return () => {};
  }
  close(): void {
    this.closed = true;
  }
}

async function inCall() {
  const fetcher: FetchLike = async (url) => ({
    status: url === '/api/login' ? 200 : 404,
    ok: url === '/api/login',
    headers: { get: () => null },
    json: async () => ({ token: 'T1', expiresIn: 900, role: 'doctor', id: 'd1', name: 'Dr Test' }),
  });
  const sockets: Socket[] = [];
  const calls: FakeCall[] = [];
  /** The doctor's camera: stopped once nobody is there to see it. */
  const camera = { stopped: false, stop() {
    camera.stopped = true;
  } };
  const c = new ConsoleController(
    { protocol: 'http:', host: 'hub.test' },
    {
      fetch: fetcher,
      storage: undefined,
      connect: () => {
        const s = new Socket();
        sockets.push(s);
        return s;
      },
      createCall: (o) => {
        const call = new FakeCall(o);
        calls.push(call);
        return call as unknown as Call;
      },
      openMedia: async () => ({ getTracks: () => [camera] }) as unknown as MediaStream,
    },
  );
  await c.login('doc', 'pw');
  const hub = sockets[0]!;
  hub.open();
  c.claim('c1');
  const claim = hub.sent.find((m) => m.type === 'claim')!;
  hub.tell({ type: 'consultation', ref: 'ref' in claim ? claim.ref : undefined, consultation: view() });
  return { c, hub, calls, camera };
}

describe('the console when the cabin ends the visit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('closes the call at once and says why, instead of "cabin absent, retrying"; the consultation stays for the notes', async () => {
    const { c, hub, calls, camera } = await inCall();
    const call = calls[0]!;
    expect(call.closed).toBe(false);
    hub.tell({ type: 'consultation', consultation: view({ peerPresent: false, cabinLeft: { at: 5_000, reason: 'patient' } }) });
    expect(call.closed).toBe(true);
    expect(call.forgot).toBe(1); // nothing of the patient stays on screen
    await vi.advanceTimersByTimeAsync(0);
    expect(camera.stopped).toBe(true);
    const s = c.getSnapshot();
    expect(s).toMatchObject({ screen: 'consultation', consultation: { cabinLeft: { reason: 'patient' } } });
    // Later views (TURN renewal, the doctor's own reconnection) neither reopen nor greet the cabin.
    const hellos = call.hellos;
    hub.tell({ type: 'consultation', consultation: view({ peerPresent: false, cabinLeft: { at: 5_000, reason: 'patient' } }) });
    expect(calls).toHaveLength(1);
    expect(call.hellos).toBe(hellos);
    c.end('Seen.');
    expect(hub.sent.find((m) => m.type === 'end')).toMatchObject({ consultationId: 'c1', notes: 'Seen.' });
  });

  it('a blip of the cabin’s socket (absent, then present again) keeps the readings already on screen', async () => {
    const { hub, calls } = await inCall();
    const call = calls[0]!;
    hub.tell({ type: 'consultation', consultation: view({ peerPresent: false }) });
    hub.tell({ type: 'consultation', consultation: view() });
    expect([call.forgot, call.closed]).toEqual([0, false]);
  });

  it('a console reloaded into a consultation whose patient left opens no call to it', async () => {
    const { hub, calls } = await inCall();
    hub.tell({ type: 'consultation', consultation: view({ consultationId: 'c2', peerPresent: false, cabinLeft: { at: 5_000, reason: 'idle' } }) });
    const second = calls[1]!;
    expect(second.closed).toBe(true);
    expect(second.hellos).toBe(0);
  });

  it('shows the patient’s call for the assistant of this consultation until the doctor dismisses it', async () => {
    const { c, hub } = await inCall();
    hub.tell({ type: 'help', consultationId: 'other', at: 1 });
    expect(c.getSnapshot().help).toBeUndefined();
    hub.tell({ type: 'help', consultationId: 'c1', at: 7_000 });
    expect(c.getSnapshot().help).toEqual({ consultationId: 'c1', at: 7_000 });
    c.dismissHelp();
    expect(c.getSnapshot().help).toBeUndefined();
    hub.tell({ type: 'help', consultationId: 'c1', at: 8_000 });
    hub.tell({ type: 'ended', consultationId: 'c1', reason: 'cancelled' });
    expect(c.getSnapshot()).toMatchObject({ screen: 'queue', help: undefined });
  });
});
