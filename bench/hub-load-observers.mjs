// The entry of hub-load's observer thread (hub-load-observers.ts): a worker thread starts with Node's own loader, so it
// loads the TypeScript module as the bench itself is loaded (bin/ts-bundle.mjs).
import { fileURLToPath } from 'node:url';
import { importTypeScript } from '../bin/ts-bundle.mjs';

await importTypeScript(fileURLToPath(new URL('./hub-load-observers.ts', import.meta.url)));
