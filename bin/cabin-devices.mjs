#!/usr/bin/env node
// The `cabin-devices` command: runs the TypeScript CLI with no build step (a cached esbuild bundle of it, or tsx's
// loader when it cannot be bundled: ts-bundle.mjs).
import { fileURLToPath } from 'node:url';
import { importTypeScript } from './ts-bundle.mjs';

// A reader that goes away (`| head`) is not an error.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const { main } = await importTypeScript(fileURLToPath(new URL('../src/devices/cli/main.ts', import.meta.url)));
const code = await main(process.argv.slice(2));
// Open port handles must not keep the command alive once it is done: flush stdout, then exit.
process.stdout.write('', () => process.exit(code));
