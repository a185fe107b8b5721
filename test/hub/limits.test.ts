import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_CLOSE, HUB_MAX_FRAME_BYTES, HUB_SUBPROTOCOL } from '../../src/shared/hub-protocol.ts';
import { captureLogger } from '../helpers/log-capture.ts';
import { Client, cabinToken, doctorToken, startHub, type TestHub } from './helpers.ts';

let t: TestHub;
let doctor: string;
let cabin: string;
const { log, lines: logs } = captureLogger('hub');

beforeAll(async () => {
  t = await startHub({ heartbeatMs: 200, log });
  [doctor, cabin] = await Promise.all([doctorToken(t, 'dr.a'), cabinToken(t, 'cab-1')]);
});
afterAll(() => t.close());

describe('frame validation and limits', () => {
  it('answers invalid-message to non-JSON, schema-invalid and binary frames, and keeps the connection open', async () => {
    const c = await Client.open(t.hub.wsUrl, doctor);
    expect(c.ws.protocol).toBe(HUB_SUBPROTOCOL);
    c.ws.send('{oops');
    expect(await c.next('error')).toMatchObject({ code: 'invalid-message', message: 'The message is not JSON.' });
    c.send({ type: 'claim' });
    expect((await c.next('error')).code).toBe('invalid-message');
    c.send({ type: 'launch-missiles' });
    expect((await c.next('error')).code).toBe('invalid-message');
    const extraField: Record<string, unknown> = { type: 'signal', consultationId: 'x', data: { pc: 'p', extra: 1 } };
    c.send(extraField);
    expect((await c.next('error')).code).toBe('invalid-message');
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.next('error')).code).toBe('invalid-message');
    c.send({ type: 'ping' });
    await c.next('pong');
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await c.close();
  });

  it('closes with 4413 on a frame above HUB_MAX_FRAME_BYTES', async () => {
    const c = await Client.open(t.hub.wsUrl, cabin);
    c.send({ type: 'incident', consultationId: 'x', detail: 'y'.repeat(HUB_MAX_FRAME_BYTES) });
    expect((await c.closed).code).toBe(HUB_CLOSE.size);
    // A frame far beyond the limit is cut by ws itself, before it is buffered whole.
    const d = await Client.open(t.hub.wsUrl, cabin);
    d.ws.send('z'.repeat(HUB_MAX_FRAME_BYTES * 8));
    expect([HUB_CLOSE.size, 1009]).toContain((await d.closed).code);
  });

  it('accepts a burst of 60 messages, then closes a flood with 4408', async () => {
    const c = await Client.open(t.hub.wsUrl, doctor);
    for (let i = 0; i < 50; i++) c.send({ type: 'ping' });
    for (let i = 0; i < 50; i++) await c.next('pong');
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    const f = await Client.open(t.hub.wsUrl, cabin);
    for (let i = 0; i < 500; i++) f.send({ type: 'ping' });
    expect((await f.closed).code).toBe(HUB_CLOSE.rate);
    await c.close();
  });

  it('drops a socket that stops answering pings', async () => {
    const c = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    await c.next('hello');
    // A client gone silent: its socket no longer reads, so no pong goes back.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // The log is structured: the line says who (role, id) disconnected and the close code.
    const dropped = () => logs.some((l) => l.role === 'cabin' && l.id === 'cab-2' && l.msg === 'disconnected' && l.code === 1006);
    const deadline = Date.now() + 3000;
    while (!dropped() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(dropped()).toBe(true);
    c.ws.terminate();
  });
});
