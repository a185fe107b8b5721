import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCabin } from '../app.ts';
import type { Cabin } from '../cabin.ts';
import type { KioskConfig } from '../config.ts';
import { serveStatic } from './static.ts';
import { WsBridge } from './ws-bridge.ts';

export interface KioskHost {
  /** The kiosk page, e.g. http://127.0.0.1:8420/ */
  url: string;
  cabin: Cabin;
  close(): Promise<void>;
}

/**
 * Browser mode: cabin main's services behind a local web server that serves the renderer and the bridge
 * WebSocket, for Chromium in kiosk mode and the end-to-end tests.
 */
export async function startKiosk(opts: { config: KioskConfig; rendererDir: string; port?: number }): Promise<KioskHost> {
  const cabin = await startCabin(opts.config);
  const token = randomBytes(24).toString('base64url');
  let origin = '';
  const bridge = new WsBridge(cabin, () => origin, token);
  const server = createServer((req, res) =>
    serveStatic(opts.rendererDir, req, res, { 'Set-Cookie': `cabin-token=${token}; HttpOnly; SameSite=Strict; Path=/` }),
  );
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/bridge') bridge.upgrade(req, socket, head);
    else socket.destroy();
  });
  const host = opts.config.web.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${opts.port ?? opts.config.web.port} is in use: stop the other program or set web.port in the config.`) : err),
    );
    server.listen(opts.port ?? opts.config.web.port, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host}:${port}`;
  return {
    url: `${origin}/`,
    cabin,
    close: async () => {
      bridge.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cabin.stop();
    },
  };
}
