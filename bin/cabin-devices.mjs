#!/usr/bin/env node
// The `cabin-devices` command: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/devices/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
