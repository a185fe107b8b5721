import { Worker } from 'node:worker_threads';
import type { Resource, ResourceType } from '@medplum/fhirtypes';

/**
 * A real FHIR server implementation for a test's hub to push to: Medplum's FHIR router on its in-memory repository
 * (its transaction and conditional-create logic, installable offline), behind a small HTTP server on loopback, in a
 * worker thread of its own (fhir-server-worker.mjs says why).
 */
export interface TestFhirServer {
  url: string;
  /** Every resource of `type` the server holds. */
  all<T extends Resource>(type: ResourceType): Promise<T[]>;
  close(): Promise<void>;
}

type Answer = { id: number; resources?: Resource[]; error?: string; closed?: boolean };

export async function startFhirServer(): Promise<TestFhirServer> {
  const worker = new Worker(new URL('./fhir-server-worker.mjs', import.meta.url));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The FHIR server's thread ended (${code}) before it listened.`)));
    worker.once('message', (m: { port: number }) => resolve(m.port));
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  const waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  let next = 0;
  const fail = (err: Error): void => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (a: Answer) => {
    waiting.get(a.id)?.resolve(a);
    waiting.delete(a.id);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The FHIR server's thread ended (${code}).`)));
  const ask = (m: object): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...m, id });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    all: async <T extends Resource>(type: ResourceType) => {
      const a = await ask({ type: 'all', resourceType: type });
      if (a.error) throw new Error(`The FHIR server failed to list ${type}: ${a.error}`);
      return (a.resources ?? []) as T[];
    },
    close: async () => {
      await ask({ type: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
