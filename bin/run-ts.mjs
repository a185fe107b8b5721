#!/usr/bin/env node
// Runs a TypeScript entry point with no build step after `npm install`: from a cached esbuild bundle of it, or through
// tsx's loader when it cannot be bundled (ts-bundle.mjs says how, and why it behaves the same).
import { resolve } from 'node:path';
import { importTypeScript } from './ts-bundle.mjs';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs FILE.ts [args…]');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(entry), ...rest];
await importTypeScript(resolve(entry));
