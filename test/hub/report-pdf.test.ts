import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReportPdf, type ReportPdfInput } from '../../src/hub/report-pdf/index.ts';
import type { ConsultationReport, StoredReportReading } from '../../src/shared/hub-protocol.ts';
import type { PatientIdentity } from '../../src/shared/patient-identity.ts';
import { png } from '../helpers/png.ts';

/** The consultation's report document (issue 13): rendered, then read back with poppler's pdftotext, pdfinfo, pdffonts. */

const dir = mkdtempSync(join(tmpdir(), 'report-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Runs a poppler tool on the PDF; fails with what to install when it is missing. */
function poppler(tool: string, pdf: Uint8Array, args: string[] = []): string {
  const file = join(dir, `r${files++}.pdf`);
  writeFileSync(file, pdf);
  const r = spawnSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is missing: install poppler-utils (scripts/setup.sh does)`);
  if (r.status !== 0) throw new Error(`${tool} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
/** The text, spaces made plain and runs of them (the layout's columns) one. */
const textOf = (pdf: Uint8Array): string =>
  poppler('pdftotext', pdf, ['-layout'])
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/[ \t]+/g, ' ');
/** The text in reading order (pdftotext without -layout keeps a wrapped table cell together), all whitespace one space. */
const flatOf = (pdf: Uint8Array): string => poppler('pdftotext', pdf).replace(/\s+/g, ' ');
const pagesOf = (pdf: Uint8Array): number => Number(/Pages:\s+(\d+)/.exec(poppler('pdfinfo', pdf))?.[1]);

// 6 December 2026, 14:05 in Paris (UTC+01:00).
const T0 = Date.UTC(2026, 11, 6, 13, 5, 0);
const HASH = 'a3f1c2d4e5b6978812345678901234567890abcdefabcdefabcdef0123456789';
const OXI = 'contec-cms50-v7:/dev/ttyUSB0';
const CUFF = 'omron-hem7361t:hid-0590-0028';
const THERMO = 'ble-thermometer:AA:BB:CC:DD:EE:FF';
const SCALE = 'ble-scale:11:22:33:44:55:66';

let n = 0;
const r = (o: Omit<StoredReportReading, 'id'>): StoredReportReading => ({ id: `obs-${n++}`, ...o });

function spotReadings(): StoredReportReading[] {
  return [
    r({ deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: T0 + 60_000, measurementId: 'm-ox', decimals: 0 }),
    r({ deviceId: OXI, code: 'MDC_PULS_OXIM_PULS_RATE', value: 72, unit: '/min', t: T0 + 60_000, measurementId: 'm-ox', decimals: 0 }),
    r({ deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_SYS', value: 128, unit: 'mm[Hg]', t: T0 + 120_000, measurementId: 'm-bp1', flags: ['irregular-pulse', 'movement'] }),
    r({ deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_DIA', value: 82, unit: 'mm[Hg]', t: T0 + 120_000, measurementId: 'm-bp1' }),
    r({ deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_MEAN', value: 97, unit: 'mm[Hg]', t: T0 + 120_000, measurementId: 'm-bp1' }),
    r({ deviceId: CUFF, code: 'MDC_PULS_RATE_NON_INV', value: 71, unit: '/min', t: T0 + 120_000, measurementId: 'm-bp1' }),
    r({ deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_SYS', value: 141, unit: 'mm[Hg]', t: T0 + 420_000, measurementId: 'm-bp2' }),
    r({ deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_DIA', value: 88, unit: 'mm[Hg]', t: T0 + 420_000, measurementId: 'm-bp2' }),
    r({ deviceId: THERMO, code: 'MDC_TEMP_TYMP', value: 37.6, unit: 'Cel', t: T0 + 180_000, measurementId: 'm-temp', decimals: 2, deviceClock: { state: 'skewed', offsetMs: 180_000 } }),
    r({
      deviceId: SCALE,
      code: 'MDC_MASS_BODY_ACTUAL',
      value: 72.35,
      unit: 'kg',
      t: T0 + 240_000,
      measurementId: 'm-kg',
      decimals: 2,
      reported: { value: 159.5, unit: '[lb_av]', decimals: 1 },
      deviceClock: { state: 'unset' },
    }),
  ];
}

/** Continuous oximetry at 1 Hz: SpO2, pulse and perfusion index, no measurementId. */
function continuous(seconds: number, from = T0): StoredReportReading[] {
  const out: StoredReportReading[] = [];
  for (let s = 0; s < seconds; s++) {
    const t = from + s * 1000;
    out.push(r({ deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 94 + (s % 5), unit: '%', t, ...(s === 30 ? { flags: ['low-perfusion'] as const } : {}) }));
    out.push(r({ deviceId: OXI, code: 'MDC_PULS_OXIM_PULS_RATE', value: 70 + (s % 9), unit: '/min', t }));
    out.push(r({ deviceId: OXI, code: 'MDC_PULS_OXIM_PERF_REL', value: 2.5 + (s % 3) / 10, unit: '%', t, decimals: 1 }));
  }
  return out;
}

function report(over: Partial<ConsultationReport> = {}): ConsultationReport {
  return {
    consultationId: 'c-2026-12-06-001',
    cabin: { id: 'cab-1', name: 'Pharmacie du Centre' },
    doctor: { id: 'dr.a', name: 'Dr Anne Martin' },
    createdAt: T0 - 120_000,
    claimedAt: T0,
    endedAt: T0 + 20 * 60_000 + 30_000,
    state: 'ended',
    notes: 'Auscultation normale. Conclusion : hypertension à surveiller, contrôle dans 15 jours.',
    readings: [...spotReadings(), ...continuous(90, T0 + 30_000)],
    incidents: [
      { t: T0 + 300_000, side: 'cabin', detail: 'Oxymètre déconnecté pendant 12 s' },
      { t: T0 + 360_000, side: 'doctor', detail: 'ICE restart: connexion rétablie' },
    ],
    ...over,
  };
}

/** An INS number (13 digits + key) whose key matches. */
function nir(digits13: string): string {
  const key = 97 - Number(BigInt(digits13) % 97n);
  return `${digits13}${String(key).padStart(2, '0')}`;
}
const QUALIFIED: PatientIdentity = {
  birthName: 'DUPONT',
  firstNames: ['Marie', 'Claire'],
  birthDate: '1950-03-12',
  sex: 'female',
  birthplace: '75056',
  ins: { kind: 'nir', value: nir('2500375056001') },
  status: 'qualified',
};

const input = (over: Partial<ReportPdfInput> = {}): ReportPdfInput => ({
  report: report(),
  patient: QUALIFIED,
  language: 'fr',
  bundleHash: HASH,
  generatedAt: T0 + 25 * 60_000,
  ...over,
});


/** Every word of every page lies inside the page's margins (pdftotext -bbox): nothing overflows. */
function wordsInsidePages(pdf: Uint8Array): { words: number; outside: string[]; text: string } {
  const html = poppler('pdftotext', pdf, ['-bbox']);
  const outside: string[] = [];
  const all: string[] = [];
  let words = 0;
  for (const page of html.split('<page ').slice(1)) {
    const w = Number(/width="([\d.]+)"/.exec(page)?.[1]);
    const h = Number(/height="([\d.]+)"/.exec(page)?.[1]);
    for (const m of page.matchAll(/<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</g)) {
      words++;
      all.push(m[5]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"'));
      const [x0, y0, x1, y1] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      if (x0 < 40 || y0 < 20 || x1 > w - 40 || y1 > h - 10) outside.push(`${m[5]} @ ${x0},${y0}-${x1},${y1}`);
    }
  }
  return { words, outside, text: all.join(' ') };
}

describe('report PDF', () => {
  it('writes a French patient’s report once, in French: identity, times, readings with their decimals, flags, notes, incidents, hash, pages', async () => {
    const pdf = await renderReportPdf(input());
    const text = textOf(pdf);
    expect(text).toContain('Compte rendu de téléconsultation');
    expect(text).not.toContain('Teleconsultation report');
    expect(text).toContain('Pharmacie du Centre (cab-1)');
    expect(text).toContain('DUPONT Marie Claire');
    expect(text).toContain('née le 12 mars 1950'.replace('née', 'né(e)'));
    expect(text).toContain(QUALIFIED.ins!.value);
    expect(text).toMatch(/Fiabilité de l’identité\s+identité qualifiée \(INSi et pièce d’identité\)/);
    expect(text).toMatch(/Langue du patient\s+français\n/);
    expect(text).toContain('Dr Anne Martin (dr.a)');
    expect(text).toContain('6 décembre 2026, 14 h 05 (UTC+01:00)');
    expect(text).toMatch(/Fin\s+14 h 25 \(UTC\+01:00\)/);
    expect(text).toMatch(/Demande\s+14 h 03 \(UTC\+01:00\)/);
    // Spot readings, with the device's decimals in French, their times and devices.
    expect(text).toMatch(/14:08:00 ble-thermometer:AA:BB:.*37,60 °C/);
    expect(text).toContain('décalée de 3 min');
    expect(text).toMatch(/14:09:00 ble-.*72,35 kg/);
    expect(text).toContain('159,5 lb sur l’appareil');
    expect(text).toContain('non réglée');
    expect(text).toMatch(/14:07:00 omron-.*128\/82 mmHg/);
    expect(text).toContain('(moyenne 97)');
    const flat = flatOf(pdf);
    expect(flat).toContain('mouvement pendant la mesure ; pouls irrégulier');
    expect(text).toMatch(/14:06:00 contec-cms50-v7.*97 %/);
    // Continuous readings summarised per minute, and said so.
    expect(text).toContain('Mesures continues, résumées par minute');
    expect(flat).toContain('minimum, médiane et maximum de chaque minute');
    expect(text).toMatch(/14:05 30 94 96 98/);
    expect(flat).toContain('perfusion faible');
    expect(text).toMatch(/14:05 30 2,5 2,6 2,7/);
    // Trends drawn (two BP measurements, many SpO2 points), notes, incidents, hash, pages.
    expect(text).toContain('Pression artérielle (mmHg)');
    expect(text).toContain('systolique');
    expect(text).toContain('Saturation en oxygène (%)');
    expect(flat).toContain('hypertension à surveiller, contrôle dans 15 jours');
    expect(text).toMatch(/14:10:00 cabine Oxymètre déconnecté pendant 12 s/);
    expect(text).toContain('ICE restart: connexion rétablie');
    expect(text).toContain(HASH);
    const pages = pagesOf(pdf);
    expect(pages).toBeGreaterThanOrEqual(2);
    for (let p = 1; p <= pages; p++) expect(text).toContain(`page ${p} / ${pages}`);
  });

  it('writes an English-speaking, unidentified patient’s report in French then English', async () => {
    const pdf = await renderReportPdf(input({ patient: null, language: 'en', report: report({ doctor: null, claimedAt: null, endedAt: null, state: 'cancelled' }) }));
    const text = textOf(pdf);
    expect(text).toContain('Compte rendu de téléconsultation');
    expect(text).toContain('Teleconsultation report');
    expect(text).toContain('Patient non identifié / Unidentified patient');
    expect(text).toContain('Aucune identité n’a été enregistrée');
    expect(text).toContain('No identity was recorded');
    expect(text).toContain('Aucun médecin n’a pris la consultation / No doctor took the consultation');
    expect(text).toContain('non terminée / not ended');
    expect(text).toContain('annulée / cancelled');
    expect(text).toContain('6 December 2026, 14:03 (UTC+01:00)');
    expect(text).toContain('pouls irrégulier / irregular pulse');
    expect(text).toContain('Remarques / Remarks');
    expect(text).not.toContain('qualifiée');
  });

  it('lists the devices as the cabin described them, and names the readings’ device by its model', async () => {
    const devices = [
      { deviceId: CUFF, driver: 'ble-blood-pressure', name: 'Bluetooth blood pressure monitor', transport: 'ble' as const, manufacturer: 'OMRON HEALTHCARE', model: 'HEM-7155T', serial: '20231100398', firmware: '1.2.0', systemId: '0123456789ABCDEF', address: 'EC:21:E5:10:20:30' },
      { deviceId: OXI, driver: 'contec-cms50-v7', transport: 'serial' as const, usb: { vendorId: '10c4', productId: 'ea60' } },
    ];
    const text = flatOf(await renderReportPdf(input({ language: 'en', report: report({ devices }) })));
    expect(text).toContain('Appareils / Devices');
    expect(text).toContain('OMRON HEALTHCARE HEM-7155T');
    expect(text).toContain('20231100398');
    expect(text).toContain('FW 1.2.0');
    expect(text).toContain('Bluetooth EC:21:E5:10:20:30');
    expect(text).toContain('USB 10c4:ea60');
    // Without a description the device stays named by its id; described, the readings name its model.
    expect(text.split('OMRON HEALTHCARE HEM-7155T').length).toBeGreaterThan(2);
    expect(flatOf(await renderReportPdf(input()))).not.toContain('Appareils');
  });

  it('says each identity status in plain words', async () => {
    for (const [status, words] of [
      ['provisional', 'identité provisoire (déclarée, non vérifiée)'],
      ['recovered', 'identité récupérée (téléservice INSi'],
      ['validated', 'identité validée (pièce d’identité contrôlée'],
    ] as const) {
      const text = textOf(await renderReportPdf(input({ patient: { ...QUALIFIED, status }, report: report({ readings: [] }) })));
      expect(text).toContain(words);
      expect(text).toContain('Aucune mesure.');
    }
  });

  it('gives an Arabic-speaking patient French and English, and one Arabic sentence laid out right to left', async () => {
    const text = textOf(await renderReportPdf(input({ language: 'ar' })));
    expect(text).toContain('Version arabe non incluse');
    expect(text).toContain('Arabic version not included');
    expect(text).toContain('Teleconsultation report');
    // pdftotext reads glyphs back in logical order only if they were laid out right to left.
    // (pdftotext splits the lam-alef ligature, so the check avoids it.)
    expect(text).toContain('هذا التقرير باللغتين الفرنسية');
    expect(text).toContain('ويمكن للطبيب أن يشرح لك محتواه');
    expect(text).toContain('arabe / Arabic');
  });

  it('gives the same bytes for the same consultation, other bytes for another generation time; a PDF/A-2b with every font embedded', async () => {
    const a = await renderReportPdf(input({ snapshots: [{ mime: 'image/png', bytes: png(16, 12), t: T0 + 500_000 }] }));
    const b = await renderReportPdf(input({ snapshots: [{ mime: 'image/png', bytes: png(16, 12), t: T0 + 500_000 }] }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = await renderReportPdf(input({ generatedAt: T0 + 26 * 60_000, snapshots: [{ mime: 'image/png', bytes: png(16, 12), t: T0 + 500_000 }] }));
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    const raw = Buffer.from(a).toString('latin1');
    expect(raw.startsWith('%PDF-1.7')).toBe(true);
    expect(raw).toContain('<pdfaid:part>2</pdfaid:part>');
    expect(raw).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(raw).toContain('/OutputIntents');
    const fonts = poppler('pdffonts', a).split('\n').slice(2).filter((l) => l.trim());
    expect(fonts.length).toBeGreaterThanOrEqual(2);
    for (const f of fonts) expect(f).toMatch(/DejaVuSans\S*\s+CID TrueType\s+Identity-H\s+yes yes/);
    expect(poppler('pdfinfo', a)).toMatch(/CreationDate:\s+Sun Dec\s+6 14:30:00 2026|CreationDate:\s+Sun Dec\s+6 13:30:00 2026/);
  });

  it('draws the otoscope snapshots, and says so when one cannot be read', async () => {
    const pdf = await renderReportPdf(
      input({
        snapshots: [
          { mime: 'image/png', bytes: png(40, 30), t: T0 + 500_000 },
          { mime: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]), t: T0 + 510_000 },
        ],
      }),
    );
    const images = poppler('pdfimages', pdf, ['-list']).split('\n').slice(2).filter((l) => l.trim());
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(/\s40\s+30\s+rgb/);
    const text = textOf(pdf);
    expect(text).toContain('Images de l’otoscope');
    expect(text).toMatch(/14:13:20/);
    expect(text).toMatch(/14:13:30 : image illisible/);
  });

  it('draws no trend for fewer than two points', async () => {
    const text = textOf(await renderReportPdf(input({ report: report({ readings: spotReadings().filter((x) => x.measurementId !== 'm-bp2') }) })));
    expect(text).not.toContain('Tendances');
    expect(text).toContain('128/82 mmHg');
  });

  it('keeps a 30-minute continuous oximetry to a few pages, every spot measurement listed', async () => {
    const readings = [...spotReadings(), ...continuous(30 * 60)];
    const started = performance.now();
    const pdf = await renderReportPdf(input({ report: report({ readings }) }));
    const ms = performance.now() - started;
    const pages = pagesOf(pdf);
    console.log(`report PDF: ${readings.length} readings (30 min at 1 Hz, 3 codes) -> ${pages} pages, ${pdf.byteLength} bytes in ${ms.toFixed(0)} ms`);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(12);
    const text = textOf(pdf);
    expect(text).toContain(`${30 * 60} mesures`);
    for (let m = 0; m < 30; m++) {
      const t = new Date(T0 + m * 60_000 + 3_600_000);
      expect(text).toContain(`${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')} 60 94 96 98`);
    }
    for (const v of ['37,60 °C', '72,35 kg', '128/82 mmHg', '141/88 mmHg']) expect(text).toContain(v);
  }, 60_000);

  it('never throws nor overflows on hostile text: long notes, control and bidi-override characters, 10 000 spot readings', async () => {
    const long = 'x'.repeat(5_000);
    const notes = `Début\u0000\u0007\u001b[31m ‮evil‭ ${long} ${'mot '.repeat(20_000)}\r\nFin des notes\u2066caché\u2069 漢字 fin`;
    const many = Array.from({ length: 10_000 }, (_, i) =>
      r({ deviceId: `${'d'.repeat(250)}:${i}`, code: 'MDC_TEMP_BODY', value: 36 + (i % 30) / 10, unit: 'Cel', t: T0 + i * 100, measurementId: `m-${i}`, decimals: 1, flags: ['questionable', 'low-battery'] }),
    );
    const hostile = report({
      notes,
      cabin: { id: 'cab-\u202e1', name: `Cabine ${'\u202e'}lisba${'\u0000'}` },
      doctor: { id: 'dr.a', name: `Dr ${'A'.repeat(400)}` },
      readings: many,
      incidents: [{ t: T0, side: 'hub', detail: `\u202e${'z'.repeat(490)}` }],
    });
    const started = performance.now();
    const pdf = await renderReportPdf(input({ report: hostile }));
    console.log(`report PDF: 10 000 spot readings and ${notes.length} characters of notes -> ${pagesOf(pdf)} pages in ${(performance.now() - started).toFixed(0)} ms`);
    const { words, outside, text } = wordsInsidePages(pdf);
    expect(text).not.toMatch(/[\u0000-\u0008\u001b\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain('Début');
    expect(text).toContain('Fin des notes');
    expect(text).toContain('Cabine lisba');
    expect(text).toContain('36,5 °C');
    expect(text).toContain('mesure douteuse');
    // Characters DejaVu Sans lacks are written U+FFFD, never as .notdef (which PDF/A forbids).
    expect(text).toContain('\ufffd\ufffd fin');
    expect(text).not.toMatch(/[漢字]/);
    expect(words).toBeGreaterThan(10_000);
    expect(outside.slice(0, 5)).toEqual([]);
  }, 180_000);

  it('rejects bad input with an error that names the field', async () => {
    await expect(renderReportPdf(input({ bundleHash: 'not-a-hash' }))).rejects.toThrow(/bundleHash: a SHA-256/);
    await expect(renderReportPdf({ ...input(), language: 'de' } as unknown as ReportPdfInput)).rejects.toThrow(/language/);
    await expect(renderReportPdf(input({ report: { ...report(), readings: [{ id: 'x' }] } as unknown as ConsultationReport }))).rejects.toThrow(/report\.readings\.0/);
  });
});
