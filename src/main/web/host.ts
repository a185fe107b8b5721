import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCabin } from '../app.ts';
import type { Cabin } from '../cabin.ts';
import { voiceMounts, type KioskConfig } from '../config.ts';
import { setCookie } from '../../server/cookies.ts';
import { contentSecurityPolicy, securityHeaders } from '../../server/csp.ts';
import { serveStatic, type StaticSite } from '../../server/static.ts';
import type { Logger } from '../../server/log.ts';
import { bridgeToken, TOKEN_COOKIE, WsBridge } from './ws-bridge.ts';

export interface KioskHost {
  /** The kiosk's first launch URL with its one-time code, e.g. http://127.0.0.1:8420/?k=… */
  url: string;
  cabin: Cabin;
  close(): Promise<void>;
}

export interface KioskHostOptions {
  config: KioskConfig;
  rendererDir: string;
  port?: number;
  log?: Logger;
  /**
   * Called with a fresh one-time launch URL each time one has been opened, for another browser (printed on the
   * launcher's terminal only). Without it, the first code is the only one.
   */
  onNextUrl?: (url: string) => void;
}

/** The Host headers the kiosk answers: its own address, and on a loopback address each name of the loopback. */
export function kioskHosts(host: string, port: number): Set<string> {
  const loopback = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host.toLowerCase());
  const names = loopback ? ['127.0.0.1', 'localhost', '[::1]'] : [host.includes(':') ? `[${host}]` : host];
  return new Set(names.map((n) => `${n}:${port}`));
}

/** The launch code compared in constant time. */
function sameCode(given: string | null, code: string): boolean {
  // Bytes, not characters: « é » is one character and two bytes, and timingSafeEqual throws on unequal lengths.
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(code);
  return given !== null && a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Browser mode: cabin main's services behind a local web server that serves the renderer and the bridge
 * WebSocket, for Chromium in kiosk mode and the end-to-end tests.
 */
export async function startKiosk(opts: KioskHostOptions): Promise<KioskHost> {
  const cabin = await startCabin(opts.config, { log: opts.log });
  // The bridge token is handed out only to a browser that opens a launch URL with the current one-time code: no
  // plain request to the host (another local user, a page of another site) can obtain it. Once a code is spent the
  // next one goes to the launcher's terminal only, so whoever started the kiosk can open it in another browser.
  const token = bridgeToken();
  const newCode = (): string => randomBytes(18).toString('base64url');
  let bootstrap = newCode();
  const first = bootstrap;
  let hosts = new Set<string>();
  let origin = '';
  const bridge = new WsBridge(cabin, (h) => hosts.has(h), token, opts.log?.child({ component: 'bridge' }));
  // The strict policy, with the inline styles browser mode has always allowed.
  const site: StaticSite = {
    root: opts.rendererDir,
    headers: securityHeaders(contentSecurityPolicy({ inlineStyles: true }), { mediaDevices: 'self' }),
    mounts: voiceMounts(opts.config),
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      // A request must never take cabin main (and the patient's visit) down with it.
      opts.log?.error({ err }, 'kiosk web host: request failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Another Host name means DNS rebinding or a proxy: refuse.
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(hostHeader)) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${hostHeader}`);
    if (url.pathname === '/' && sameCode(url.searchParams.get('k'), bootstrap)) {
      bootstrap = newCode();
      opts.onNextUrl?.(`${origin}/?k=${bootstrap}`);
      // The code is spent; any other query (e.g. `debug=1`) stays.
      const rest = new URLSearchParams(url.searchParams);
      rest.delete('k');
      const location = rest.size > 0 ? `/?${rest.toString()}` : '/';
      res.writeHead(302, { Location: location, 'Set-Cookie': setCookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' }), 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (url.pathname === '/' && url.searchParams.has('k')) {
      // A spent or wrong code: the page says so (open the address the terminal printed last), not « connecting… ».
      res.writeHead(302, { Location: '/?launch=spent', 'Cache-Control': 'no-store' }).end();
      return;
    }
    if (url.pathname === '/bridge') {
      // A browser does not say why a WebSocket was refused: the page asks here. A 403 says why in one word, so the
      // page stops retrying and says the cabin restarted (a token of an earlier run) or its address was used.
      if (bridge.admits(req)) res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
      else res.writeHead(403, { 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8' }).end(bridge.refusal(req));
      return;
    }
    serveStatic(site, req, res);
  };
  server.on('upgrade', (req, socket, head) => {
    if (hosts.has((req.headers.host ?? '').toLowerCase()) && new URL(req.url ?? '/', 'http://x').pathname === '/bridge') bridge.upgrade(req, socket, head);
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
  hosts = kioskHosts(host, port);
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/?k=${first}`,
    cabin,
    close: async () => {
      bridge.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cabin.stop();
    },
  };
}
