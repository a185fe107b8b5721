#!/usr/bin/env node
// The `cabin-devices` command: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
// A reader that goes away (`| head`) is not an error.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const { main } = await import('../src/devices/cli/main.ts');
const code = await main(process.argv.slice(2));
// Open port handles must not keep the command alive once it is done: flush stdout, then exit.
process.stdout.write('', () => process.exit(code));
