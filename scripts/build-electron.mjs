// Bundles the Electron app into dist/electron: main (ESM), the sandboxed preload (CommonJS, only `electron`
// left external) and the device host. Native modules stay external: electron-builder rebuilds them for
// Electron at packaging time (better-sqlite3 is not N-API).
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
await build({ ...common, entryPoints: ['src/main/electron/index.ts'], format: 'esm', packages: 'external', outfile: 'dist/electron/main.js' });
await build({ ...common, entryPoints: ['src/main/electron/preload.ts'], format: 'cjs', external: ['electron'], outfile: 'dist/electron/preload.cjs' });
await build({ ...common, entryPoints: ['src/devices/host-process.ts'], format: 'esm', packages: 'external', outfile: 'dist/electron/device-host.js' });
console.log('built dist/electron (main.js, preload.cjs, device-host.js)');
