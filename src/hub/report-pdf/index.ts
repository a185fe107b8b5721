import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { FONT_DIR, FONTS, Writer } from './layout.ts';
import { parseReportPdfInput, type ReportPdfInput } from './input.ts';
import { Sections } from './sections.ts';
import { WORDS } from './words.ts';

export type { ReportPdfInput } from './input.ts';

/**
 * The consultation's report document (CSP R.6316-4: the report, the acts, the identities, the date and time, the
 * technical incidents) as a PDF/A-2b, in French and in the patient's language. The same input gives the same bytes:
 * its dates come from `generatedAt`, its file id from them, nothing random.
 */

let fonts: Record<keyof typeof FONTS, Buffer> | undefined;
function loadFonts(): Record<keyof typeof FONTS, Buffer> {
  if (fonts) return fonts;
  const read = (file: string): Buffer => {
    try {
      return readFileSync(join(FONT_DIR, file));
    } catch {
      throw new Error(`The report PDF needs the DejaVu fonts (${join(FONT_DIR, file)} is missing): install the Debian package fonts-dejavu-core (scripts/setup.sh does).`);
    }
  };
  fonts = { regular: read(FONTS.regular), bold: read(FONTS.bold), mono: read(FONTS.mono) };
  return fonts;
}

/** Renders the report; rejects with a clear error when the input is not a consultation report or a font is missing. */
export async function renderReportPdf(input: ReportPdfInput): Promise<Uint8Array> {
  const parsed = parseReportPdfInput(input);
  const f = loadFonts();
  const date = new Date(parsed.generatedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 48, bottom: 54, left: 48, right: 48 },
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    lang: 'fr-FR',
    displayTitle: true,
    info: {
      Title: `${WORDS.fr.title} ${parsed.report.consultationId.slice(0, 100)}`,
      Subject: WORDS.fr.title,
      Creator: 'Cabin hub',
      Producer: 'PDFKit',
      // No ModDate: pdfkit's XMP carries no xmp:ModifyDate, and PDF/A wants the Info dictionary and the XMP to agree.
      CreationDate: date,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve());
    doc.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  doc.registerFont('mono', f.mono);
  doc.font('regular');

  const w = new Writer(doc);
  const s = new Sections(w, parsed);
  s.header();
  s.consultation();
  s.readings();
  s.markedPleth();
  s.devices();
  s.snapshots();
  s.notes();
  s.incidents();
  s.closing();
  w.footers(s.reference());
  doc.end();
  await done;
  const out = Buffer.concat(chunks);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
