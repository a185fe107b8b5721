import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCabin } from '../app.ts';
import type { Cabin } from '../cabin.ts';
import type { KioskConfig } from '../config.ts';
import { setCookie } from '../../server/cookies.ts';
import { contentSecurityPolicy, securityHeaders } from '../../server/csp.ts';
import { serveStatic, type StaticSite } from '../../server/static.ts';
import type { Logger } from '../../server/log.ts';
import { TOKEN_COOKIE, WsBridge } from './ws-bridge.ts';

export interface KioskHost {
  /** The kiosk's launch URL with its one-time code, e.g. http://127.0.0.1:8420/?k=… */
  url: string;
  cabin: Cabin;
  close(): Promise<void>;
}

/**
 * Browser mode: cabin main's services behind a local web server that serves the renderer and the bridge
 * WebSocket, for Chromium in kiosk mode and the end-to-end tests.
 */
export async function startKiosk(opts: { config: KioskConfig; rendererDir: string; port?: number; log?: Logger }): Promise<KioskHost> {
  const cabin = await startCabin(opts.config, { log: opts.log });
  // The bridge token is handed out once, to whoever opens the launch URL's one-time code first (the kiosk's
  // browser): no plain request to the host can obtain it.
  const token = randomBytes(24).toString('base64url');
  let bootstrap: string | undefined = randomBytes(18).toString('base64url');
  let origin = '';
  let hostHeader = '';
  const bridge = new WsBridge(cabin, () => origin, token, opts.log?.child({ component: 'bridge' }));
  // The strict policy, with the inline styles browser mode has always allowed.
  const site: StaticSite = { root: opts.rendererDir, headers: securityHeaders(contentSecurityPolicy({ inlineStyles: true }), { mediaDevices: 'self' }) };
  const server = createServer((req, res) => {
    // Another Host name means DNS rebinding or a proxy: refuse.
    if (req.headers.host !== hostHeader) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    if (bootstrap !== undefined && url.pathname === '/' && url.searchParams.get('k') === bootstrap) {
      bootstrap = undefined;
      // The code is spent; any other query (e.g. `debug=1`) stays.
      const rest = new URLSearchParams(url.searchParams);
      rest.delete('k');
      const location = rest.size > 0 ? `/?${rest.toString()}` : '/';
      res.writeHead(302, { Location: location, 'Set-Cookie': setCookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' }), 'Cache-Control': 'no-store' }).end();
      return;
    }
    serveStatic(site, req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.host === hostHeader && new URL(req.url ?? '/', 'http://x').pathname === '/bridge') bridge.upgrade(req, socket, head);
    else socket.destroy();
  });
  const host = opts.config.web.host;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new Error(`Port ${opts.port ?? opts.config.web.port} is in use: stop the other program or set web.port in the config.`) : err),
      );
      server.listen(opts.port ?? opts.config.web.port, host, resolve);
    });
  } catch (err) {
    bridge.close();
    await cabin.stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  hostHeader = `${host}:${port}`;
  origin = `http://${hostHeader}`;
  return {
    url: `${origin}/?k=${bootstrap}`,
    cabin,
    close: async () => {
      bridge.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cabin.stop();
    },
  };
}
