// The export worker's entry (exporter.ts): a worker thread starts with Node's own loader, so it loads the TypeScript
// task module as `npm run hub` loads the hub (bin/ts-bundle.mjs: a cached esbuild bundle of it, or tsx's loader when it
// cannot be bundled). Piscina calls its default export for each task.
import { fileURLToPath } from 'node:url';
import { importTypeScript } from '../../../bin/ts-bundle.mjs';

const task = await importTypeScript(fileURLToPath(new URL('./export-task.ts', import.meta.url)));
export default task.default;
