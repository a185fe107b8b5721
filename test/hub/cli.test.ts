import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenAnswerSchema } from '../../src/shared/hub-protocol.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'hub-cli-'));
const db = join(dir, 'hub.db');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function hubCli(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    if (!opts.env?.HUB_PASSWORD) delete env.HUB_PASSWORD;
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end(opts.stdin ?? '');
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('hub CLI', () => {
  it('adds a doctor (password from env or stdin) and a cabin, then serves them', async () => {
    const doc = await hubCli(['add-doctor', '--db', db, '--username', 'dr.cli', '--name', 'Dr CLI'], { stdin: 'a long password\n' });
    expect(doc).toMatchObject({ code: 0, stderr: '' });
    const cab = await hubCli(['add-cabin', '--db', db, '--id', 'cab-cli', '--name', 'CLI cabin']);
    expect(cab.code).toBe(0);
    const key = /^key: (\S+)$/m.exec(cab.stdout)?.[1];
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const server = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', 'serve', '--port', '0', '--db', db, '--console', dir], {
      cwd: ROOT,
      env: { ...process.env, HUB_JWT_SECRET: 'x'.repeat(40), HUB_TURN_SECRET: 's', HUB_TURN_URLS: 'turn:127.0.0.1:3478' },
    });
    children.push(server);
    let out = '';
    const url = await new Promise<string>((ok, fail) => {
      server.stdout.on('data', (c) => {
        out += c;
        const m = /^hub: (http:\/\/\S+)$/m.exec(out);
        if (m) ok(m[1]!);
      });
      server.on('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
    });
    const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const login = await post('/api/login', { username: 'dr.cli', password: 'a long password' });
    expect(TokenAnswerSchema.parse(await login.json())).toMatchObject({ id: 'dr.cli', name: 'Dr CLI' });
    expect((await post('/api/cabin/token', { cabinId: 'cab-cli', key })).status).toBe(200);
    const exited = new Promise<number | null>((r) => server.once('exit', r));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000); // several CLI processes, each a cold start of Node and the CLI (bin/run-ts.mjs)

  it('refuses bad input with one clear stderr line and exit code 2', async () => {
    const cases: { args: string[]; env?: Record<string, string>; says: RegExp }[] = [
      { args: ['add-doctor', '--db', db, '--username', 'dr.short', '--name', 'Short'], env: { HUB_PASSWORD: 'short' }, says: /at least 10 characters/ },
      { args: ['add-doctor', '--db', db, '--username', 'dr.cli', '--name', 'Again'], env: { HUB_PASSWORD: 'a long password' }, says: /exists already/ },
      { args: ['add-cabin', '--db', join(dir, 'no/such/folder/hub.db'), '--name', 'N'], says: /--id is required/ },
      { args: ['serve', '--port', 'eighty'], says: /not a port number/ },
      { args: ['serve', '--port', '0', '--db', join(dir, 'log.db'), '--log-format', 'xml'], says: /--log-format xml is not pretty or json/ },
    ];
    const results = await Promise.all(cases.map((c) => hubCli(c.args, c.env === undefined ? {} : { env: c.env })));
    const help = await hubCli(['help']);
    expect(help.stdout).toMatch(/disable-doctor USERNAME/);
    expect(help.stdout).toMatch(/disable-cabin ID/);
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), cases[i]!.args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(cases[i]!.says);
    });
  }, 60_000); // several CLI processes, each a cold start of Node and the CLI (bin/run-ts.mjs)

  it('serve writes its log as JSON lines to HUB_LOG_FILE, and keeps the lines a launcher reads on stdout', async () => {
    const logDir = join(dir, 'logs');
    // Without a JWT secret the hub warns: a line the log must hold.
    const env: NodeJS.ProcessEnv = { ...process.env, HUB_LOG_FILE: join(logDir, 'hub.log') };
    delete env.HUB_JWT_SECRET;
    const server = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', 'serve', '--port', '0', '--db', join(dir, 'logged.db'), '--console', dir], { cwd: ROOT, env });
    children.push(server);
    let out = '';
    await new Promise<void>((ok, fail) => {
      server.stdout.on('data', (c) => {
        out += c;
        if (/^hub: http:\/\/\S+$/m.test(out)) ok();
      });
      server.on('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
    });
    const exited = new Promise<number | null>((r) => server.once('exit', r));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^hub: http:/)]);
    const files = readdirSync(logDir);
    expect(files).toHaveLength(1);
    const lines = readFileSync(join(logDir, files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ name: 'hub', level: 40, msg: expect.stringMatching(/HUB_JWT_SECRET is not set/) }));
  });
});
