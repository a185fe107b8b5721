import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { storeTemp } from './helpers/store-temp.ts';

const WRITER = fileURLToPath(new URL('./helpers/store-writer.ts', import.meta.url));
/** The writer is TypeScript: run as `npm start` runs main (a cached bundle of it, or tsx's loader: bin/ts-bundle.mjs). */
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));

const tmp = storeTemp();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

type Message = { type: 'ready'; sessionId: string } | { type: 'committed'; id: string };

describe('store: a process killed mid-write', () => {
  it('loses nothing it reported as committed, and the file passes the integrity check', async () => {
    const file = tmp.file();
    const child = fork(RUN_TS, [WRITER, file], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

    const committed: string[] = [];
    let sessionId = '';
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: Message) => {
        if (m.type === 'committed') committed.push(m.id);
        else {
          sessionId = m.sessionId;
          resolve();
        }
      });
      void exited.then((how) => reject(new Error(`the writer stopped before it was ready (${String(how)}): ${stderr}`)));
    });

    // Killed once it is well into its writes (a count, not a time: a loaded machine writes slower).
    const deadline = Date.now() + 15_000;
    while (committed.length <= 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(`${file}-wal`)).toBe(true); // it really died with an open log, not after a clean close
    expect(committed.length).toBeGreaterThan(50);

    const store = tmp.open(file);
    expect(store.integrityCheck()).toBe('ok');
    const stored = new Set(store.observations(sessionId).map((o) => o.id));
    const missing = committed.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    // Each stored observation still has its outbox entry (the two were one transaction).
    expect(store.pendingCount()).toBe(stored.size);
    expect(store.openSession()?.id).toBe(sessionId);
  }, 30_000);
});
