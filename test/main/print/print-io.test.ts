import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReportPdf } from '../../../src/main/print/fetch-report.ts';
import { lp, printPdf } from '../../../src/main/print/lp.ts';

/** lp and the hub's report, each against a stand-in: a fake `lp` script, a small HTTP server. */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'print-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake lp: records its arguments and a copy of the file, answers like CUPS's lp (or fails as told). */
function fakeLp(behaviour: 'ok' | 'refuse' | 'hang'): string {
  const file = join(dir, `lp-${behaviour}`);
  const body = {
    ok: `printf '%s\\n' "$@" > "${dir}/args"; for a; do last="$a"; done; cp "$last" "${dir}/copy.pdf"; echo "request id is CabinPDF-7 (1 file(s))"`,
    refuse: `echo "lp: The printer or class does not exist." >&2; exit 1`,
    hang: `sleep 5`,
  }[behaviour];
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('printPdf: the PDF to lp, then deleted', () => {
  it('calls lp -h SERVER -d PRINTER -t TITLE -- FILE (no shell), answers its job id, leaves no file behind', async () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('cabin-print-')).length;
    const pdf = Buffer.from('%PDF-1.7 a; rm -rf / $(echo) report');
    const r = await printPdf({ printer: 'CabinPDF', server: '127.0.0.1:6631', command: fakeLp('ok') }, pdf, 'Compte rendu; $(id)');
    expect(r).toEqual({ ok: true, job: 'CabinPDF-7' });
    const args = readFileSync(join(dir, 'args'), 'utf8').trim().split('\n');
    expect(args.slice(0, 7)).toEqual(['-h', '127.0.0.1:6631', '-d', 'CabinPDF', '-t', 'Compte rendu; $(id)', '--']);
    expect(args[7]).toMatch(/cabin-print-[^/]+\/compte-rendu\.pdf$/);
    expect(readFileSync(join(dir, 'copy.pdf'))).toEqual(pdf);
    expect(existsSync(args[7]!)).toBe(false);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('cabin-print-')).length).toBe(before);
  });

  it('does not queue a report on a stopped printer (it would print after the patient left)', async () => {
    const lpstat = join(dir, 'lpstat-disabled');
    writeFileSync(lpstat, `#!/bin/sh\nprintf 'printer CabinPDF disabled since Mon 07 Dec 2026 -\\n\\tPaused\\n'\n`);
    chmodSync(lpstat, 0o755);
    rmSync(join(dir, 'args'), { force: true });
    const r = await printPdf({ printer: 'CabinPDF', command: fakeLp('ok'), lpstat }, Buffer.from('%PDF-'), 't');
    expect(r).toEqual({ ok: false, message: 'the printer is stopped: printer CabinPDF disabled since Mon 07 Dec 2026 - Paused', problem: 'stopped' });
    expect(existsSync(join(dir, 'args'))).toBe(false);
    const idle = join(dir, 'lpstat-idle');
    writeFileSync(idle, `#!/bin/sh\necho 'printer CabinPDF is idle.  enabled since Mon 07 Dec 2026'\n`);
    chmodSync(idle, 0o755);
    expect(await printPdf({ printer: 'CabinPDF', command: fakeLp('ok'), lpstat: idle }, Buffer.from('%PDF-'), 't')).toEqual({ ok: true, job: 'CabinPDF-7' });
  });

  it('says what lp said when it refuses, and when lp is missing or hangs', async () => {
    expect(await printPdf({ printer: 'Nope', command: fakeLp('refuse') }, Buffer.from('%PDF-'), 't')).toEqual({ ok: false, message: 'lp: The printer or class does not exist.' });
    const missing = await lp({ printer: 'P', command: join(dir, 'no-such-lp') }, '/dev/null', 't');
    expect(missing).toEqual({ ok: false, message: 'lp is not installed (apt-get install cups-client)' });
    const hang = await lp({ printer: 'P', command: fakeLp('hang') }, '/dev/null', 't', 300);
    expect(hang).toEqual({ ok: false, message: 'lp gave no answer within 0.3 s' });
  });
});

describe('fetchReportPdf: the hub’s answer, bounded', () => {
  let server: Server;
  let url: string;
  const seen: { path?: string; auth?: string } = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.path = req.url;
      seen.auth = req.headers.authorization;
      const id = req.url?.split('/')[4];
      const json = (status: number, code: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message: `said ${code}` } }));
      if (id === 'ok') return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7 fine');
      if (id === 'html') return res.writeHead(200).end('<html>');
      if (id === 'big') return res.writeHead(200).end(Buffer.alloc(2000, 'x'));
      if (id === 'bigger') {
        res.writeHead(200);
        return res.write(Buffer.alloc(3000, 'x')); // no length, never ends
      }
      if (id === 'slow') return; // never answers
      if (id === 'wait') return json(409, 'not-yet');
      if (id === 'cancelled') return json(409, 'no-report');
      if (id === 'late') return json(403, 'too-late');
      if (id === 'busy') return json(503, 'export-busy');
      res.writeHead(502).end('bad gateway');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('the PDF, asked with the cabin’s token at the cabin route', async () => {
    const r = await fetchReportPdf(url, 'tok', 'ok');
    expect(r.ok && r.pdf.toString()).toBe('%PDF-1.7 fine');
    expect(seen).toEqual({ path: '/api/cabin/consultations/ok/report.pdf', auth: 'Bearer tok' });
  });

  it('retries only what may change: not yet saved, busy, unreachable; not a refusal', async () => {
    const code = async (id: string) => {
      const r = await fetchReportPdf(url, 't', id, { timeoutMs: 300, maxBytes: 1000 });
      return r.ok ? 'ok' : `${r.code}:${r.retry}`;
    };
    expect(await code('wait')).toBe('not-yet:true');
    expect(await code('busy')).toBe('export-busy:true');
    expect(await code('cancelled')).toBe('no-report:false');
    expect(await code('late')).toBe('too-late:false');
    expect(await code('other')).toBe('http-502:false');
    expect(await code('html')).toBe('not-pdf:false');
    expect(await code('big')).toBe('too-large:false');
    expect(await code('bigger')).toBe('too-large:false');
    expect(await code('slow')).toBe('unreachable:true');
    expect(await fetchReportPdf('http://127.0.0.1:1', 't', 'x')).toMatchObject({ ok: false, retry: true, code: 'unreachable' });
  });
});
