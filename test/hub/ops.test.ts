import { afterEach, describe, expect, it } from 'vitest';
import { activeConsultation, api, cabinToken, Client, doctorToken, startHub, type TestHub } from './helpers.ts';

/** The value of one sample of the Prometheus text (`name{labels} value`), or undefined when it is not there. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("the operator's endpoints", () => {
  it('healthz and readyz answer a load balancer; readyz says 503 with the reason when the database fails', async () => {
    t = await startHub({ nodeId: 'node-a' });
    expect(await get(`${t.hub.url}/healthz`)).toMatchObject({ status: 200, text: '{"ok":true}' });
    expect(await get(`${t.hub.url}/readyz`)).toMatchObject({ status: 200, text: '{"ok":true}' });
    expect((await api(`${t.hub.url}/healthz`, { body: {} })).status).toBe(405);
    await t.hub.store.close(); // as a damaged or vanished database would fail its first query
    const r = await get(`${t.hub.url}/readyz`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text)).toMatchObject({ ok: false, error: { code: 'not-ready' } });
    expect((await get(`${t.hub.url}/healthz`)).status).toBe(200);
  });

  it('metrics count sockets, the queue, claims and the wait, messages, relayed signaling and errors, and name nobody', async () => {
    t = await startHub({ nodeId: 'node-a' });
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    cabin.send({ type: 'signal', consultationId: id, data: { pc: 'p1', description: { type: 'offer', sdp: 'v=0' } } });
    await doc.next('signal');
    const late = await Client.open(t.hub.wsUrl, await doctorToken(t, 'dr.b'));
    late.send({ type: 'claim', ref: 'late', consultationId: id });
    await late.next('error', (m) => m.ref === 'late');
    cabin.send({ type: 'patient-please' });
    await cabin.next('error', (m) => m.code === 'invalid-message');
    const m = await get(`${t.hub.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(m.text, 'cabin_hub_connected_sockets', { node: 'node-a', role: 'cabin' })).toBe(1);
    expect(sample(m.text, 'cabin_hub_connected_sockets', { role: 'doctor' })).toBe(2);
    expect(sample(m.text, 'cabin_hub_queue_length')).toBe(0);
    expect(sample(m.text, 'cabin_hub_claims_total', { outcome: 'won' })).toBe(1);
    expect(sample(m.text, 'cabin_hub_claims_total', { outcome: 'lost' })).toBe(1);
    expect(sample(m.text, 'cabin_hub_wait_before_claim_seconds_count')).toBe(1);
    expect(sample(m.text, 'cabin_hub_messages_total', { role: 'cabin', type: 'request' })).toBe(1);
    expect(sample(m.text, 'cabin_hub_messages_total', { role: 'cabin', type: 'invalid' })).toBe(1);
    expect(sample(m.text, 'cabin_hub_signaling_relayed_total')).toBe(1);
    expect(sample(m.text, 'cabin_hub_errors_total', { code: 'invalid-message' })).toBe(1);
    expect(sample(m.text, 'cabin_hub_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const who of ['cab-1', 'Cabin cab-1', 'dr.a', 'dr.b', 'Dr A', id]) expect(m.text).not.toContain(who);
    // The queue's editions sent to this node's doctors so far (their joins, the request, the claim), each timed.
    const editions = sample(m.text, 'cabin_hub_queue_update_seconds_count');
    expect(editions).toBeGreaterThanOrEqual(2);

    // A second cabin waits: the queue and its oldest wait show it; the doctor ends the first consultation.
    const other = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    other.send({ type: 'request', ref: 'r2', language: 'fr' });
    await other.next('consultation', (x) => x.ref === 'r2');
    await late.next('queue', (q) => q.items.some((i) => i.cabinId === 'cab-2'));
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await doc.next('ended', (x) => x.ref === 'e');
    const m2 = await get(`${t.hub.url}/metrics`);
    expect(sample(m2.text, 'cabin_hub_queue_length')).toBe(1);
    expect(sample(m2.text, 'cabin_hub_queue_oldest_wait_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(m2.text, 'cabin_hub_consultations_ended_total', { state: 'ended' })).toBe(1);
    expect(sample(m2.text, 'cabin_hub_connected_sockets', { role: 'cabin' })).toBe(2);
    // The request reached the doctors in one more edition at least (the end's may be timed by now too).
    expect(sample(m2.text, 'cabin_hub_queue_update_seconds_count')).toBeGreaterThan(editions!);
    expect(sample(m2.text, 'cabin_hub_queue_update_seconds_bucket', { le: '+Inf' })).toBe(sample(m2.text, 'cabin_hub_queue_update_seconds_count'));
    await Promise.all([cabin.close(), doc.close(), other.close(), late.close()]);
  });

  it('metrics are for this machine only, not through the proxy; with a token, only with it', async () => {
    t = await startHub();
    expect((await get(`${t.hub.url}/metrics`, { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(403);
    await t.close();
    t = await startHub({ metricsToken: 'a-long-metrics-token' });
    expect((await get(`${t.hub.url}/metrics`)).status).toBe(403);
    expect((await get(`${t.hub.url}/metrics`, { Authorization: 'Bearer wrong-token-of-same-size' })).status).toBe(403);
    const ok = await get(`${t.hub.url}/metrics`, { Authorization: 'Bearer a-long-metrics-token' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('cabin_hub_connected_sockets');
  });
});
