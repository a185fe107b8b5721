import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import type { SocketLike } from '../../src/doctor/hub/client.ts';
import { ConsoleController } from '../../src/doctor/state/console.ts';
import type { FromHub } from '../../src/shared/hub-protocol.ts';

/** The console hears that a cabin's assistant filed a consultation's identity (hub `patient-filed`): the card reads it again. */

class Socket implements SocketLike {
  readyState = 0;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
  tell(m: FromHub): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

describe('patient-filed in the doctor console', () => {
  it('tells the watchers the consultation, until they stop watching', async () => {
    const sockets: Socket[] = [];
    const fetcher: FetchLike = async () => ({
      status: 200,
      ok: true,
      headers: { get: () => null },
      json: async () => ({ token: 'T1', expiresIn: 900, role: 'doctor', id: 'd1', name: 'Dr Test' }),
    });
    const c = new ConsoleController({ protocol: 'http:', host: 'hub.test' }, { fetch: fetcher, storage: undefined, connect: () => (sockets.push(new Socket()), sockets.at(-1)!), openMedia: async () => undefined });
    await c.login('doc', 'pw');
    const socket = sockets[0]!;
    socket.readyState = 1;
    socket.onopen?.({});
    const heard: string[] = [];
    const stop = c.onPatientFiled((id) => heard.push(id));
    socket.tell({ type: 'patient-filed', consultationId: 'cons-1', outcome: 'filed' });
    expect(heard).toEqual(['cons-1']);
    stop();
    socket.tell({ type: 'patient-filed', consultationId: 'cons-2', outcome: 'filed' });
    expect(heard).toEqual(['cons-1']);
    await c.logout().catch(() => undefined);
  });
});
