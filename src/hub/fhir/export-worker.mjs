// The export worker's entry (exporter.ts): a worker thread starts with Node's own loader, so it registers tsx's,
// then runs the TypeScript task module. Piscina calls its default export for each task.
import { register } from 'tsx/esm/api';

register();
const task = await import('./export-task.ts');
export default task.default;
