/** A small writer over pdfkit: headings, label–value fields, paragraphs and tables that page themselves, and the page footers. */

export const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
export const FONTS = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' } as const;

const BODY = 9;
const SMALL = 7.5;

export interface Column {
  title: string;
  /** Share of the text width. */
  width: number;
}

export class Writer {
  readonly doc: PDFKit.PDFDocument;

  /** Whether the body font draws a character (pdfkit's embedded fontkit font; every character when it cannot tell). */
  readonly hasGlyph: (codePoint: number) => boolean;

  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
    doc.font('regular');
    const font = (doc as unknown as { _font?: { font?: { hasGlyphForCodePoint?: (cp: number) => boolean } } })._font?.font;
    const known = new Map<number, boolean>();
    this.hasGlyph = (cp) => {
      let has = known.get(cp);
      if (has === undefined) {
        has = typeof font?.hasGlyphForCodePoint === 'function' ? font.hasGlyphForCodePoint(cp) : true;
        known.set(cp, has);
      }
      return has;
    };
  }

  get left(): number {
    return this.doc.page.margins.left;
  }

  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Starts a new page unless `height` points still fit on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  title(text: string, sub?: string): void {
    this.doc.font('bold').fontSize(15).text(text, this.left, this.doc.y, { width: this.width });
    if (sub) this.doc.font('regular').fontSize(11).fillColor('#444444').text(sub, { width: this.width }).fillColor('black');
    this.doc.moveDown(0.6);
  }

  heading(text: string): void {
    this.ensure(48);
    this.doc.moveDown(0.5);
    const y = this.doc.y;
    this.doc.lineWidth(0.6).strokeColor('#888888').moveTo(this.left, y).lineTo(this.left + this.width, y).stroke().strokeColor('black');
    this.doc.y = y + 4;
    this.doc.font('bold').fontSize(11).text(text, this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.3);
  }

  /** « Label : value », the label in bold; the value wraps under itself. */
  field(label: string, value: string): void {
    const labelWidth = Math.min(150, this.width * 0.3);
    this.doc.font('bold').fontSize(BODY);
    const h = Math.max(this.doc.heightOfString(label, { width: labelWidth }), this.doc.font('regular').heightOfString(value, { width: this.width - labelWidth - 6 }));
    this.ensure(Math.min(h, 60));
    const y = this.doc.y;
    this.doc.font('bold').text(label, this.left, y, { width: labelWidth });
    this.doc.font('regular').text(value, this.left + labelWidth + 6, y, { width: this.width - labelWidth - 6 });
    this.doc.x = this.left;
    this.doc.y = Math.max(this.doc.y, y + h) + 2;
  }

  paragraph(text: string, options: { size?: number; color?: string; font?: 'regular' | 'bold' | 'mono'; align?: 'left' | 'right'; features?: PDFKit.Mixins.OpenTypeFeatures[] } = {}): void {
    this.ensure(14);
    this.doc.font(options.font ?? 'regular').fontSize(options.size ?? BODY).fillColor(options.color ?? 'black');
    this.doc.text(text, this.left, this.doc.y, { width: this.width, align: options.align ?? 'left', ...(options.features ? { features: options.features } : {}) });
    this.doc.fillColor('black');
    this.doc.moveDown(0.2);
  }

  /** A table whose header repeats on every page; a cell's text wraps within its column. */
  table(columns: readonly Column[], rows: Iterable<readonly string[]>): void {
    const widths = columns.map((c) => c.width * this.width);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
    const header = (): void => {
      this.doc.font('bold').fontSize(SMALL);
      const h = Math.max(...columns.map((c, i) => this.doc.heightOfString(c.title, { width: widths[i]! - 4 })));
      this.ensure(h + 16);
      const y = this.doc.y;
      columns.forEach((c, i) => this.doc.text(c.title, xs[i]!, y, { width: widths[i]! - 4 }));
      this.doc.y = y + h + 1;
      this.doc.lineWidth(0.4).strokeColor('#888888').moveTo(this.left, this.doc.y).lineTo(this.left + this.width, this.doc.y).stroke().strokeColor('black');
      this.doc.y += 2;
      this.doc.font('regular');
    };
    header();
    for (const row of rows) {
      const h = Math.max(...row.map((cell, i) => this.cellHeight(cell, widths[i]! - 4)), SMALL + 2);
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        header();
      }
      const y = this.doc.y;
      row.forEach((cell, i) => {
        if (cell) this.doc.text(cell, xs[i]!, y, { width: widths[i]! - 4 });
      });
      this.doc.y = y + h + 1.5;
    }
    this.doc.x = this.left;
    this.doc.fontSize(BODY);
  }

  /** A cell's height: one line when it fits (measuring a width is much cheaper than wrapping). */
  private cellHeight(cell: string, width: number): number {
    if (!cell) return 0;
    if (!cell.includes('\n') && this.doc.widthOfString(cell) <= width) return this.doc.currentLineHeight(true);
    return this.doc.heightOfString(cell, { width });
  }

  /** « page 1 / 3 » and the document's reference at the bottom of every page (the document is made with bufferPages). */
  footers(reference: string): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const bottomMargin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      const y = this.doc.page.height - bottomMargin + 14;
      this.doc.font('regular').fontSize(SMALL).fillColor('#444444');
      this.doc.text(reference, this.left, y, { width: this.width - 70, lineBreak: false, ellipsis: true, height: 10 });
      this.doc.text(`page ${i + 1 - range.start} / ${range.count}`, this.left + this.width - 70, y, { width: 70, align: 'right', lineBreak: false });
      this.doc.fillColor('black');
      this.doc.page.margins.bottom = bottomMargin;
    }
  }
}
