#!/usr/bin/env node
// `npm run lint` and `npm run typecheck` side by side (npm test's first two steps): neither uses both cores all the
// time, so together they end sooner than one after the other. Each one's output is kept and printed whole when it ends
// (never interleaved), under its name; the exit code is 1 when either failed, and says which.
import { spawn } from 'node:child_process';

const STEPS = ['lint', 'typecheck'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs `npm run <step>`, its stdout and stderr kept together in order; resolves with its exit code and output. */
function run(step) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', step], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', (err) => chunks.push(Buffer.from(`${err.message}\n`)));
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(`\n> npm run ${step}: ${ok ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`}, ${seconds} s\n`);
      process.stdout.write(Buffer.concat(chunks));
      resolve(ok);
    });
  });
}

const results = await Promise.all(STEPS.map(run));
const failed = STEPS.filter((_, i) => !results[i]);
if (failed.length > 0) {
  process.stderr.write(`\nFailed: ${failed.map((s) => `npm run ${s}`).join(', ')}\n`);
  process.exit(1);
}
