import { createServer, type AddressInfo } from 'node:net';

/** A port to listen on: `preferred` if it is free now, else one the system picks. */
export async function freePort(preferred: number, host = '127.0.0.1'): Promise<number> {
  const tryListen = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(port, host, () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0))!;
}
