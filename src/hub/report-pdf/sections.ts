import { CATALOGUE } from '../../shared/catalogue.ts';
import type { Language } from '../../shared/language.ts';
import type { AbsentReason } from '../../shared/observation.ts';
import type { PatientIdentity } from '../../shared/patient-identity.ts';
import { drawTrend } from './charts.ts';
import { drawPassage } from './pleth.ts';
import { cleanLine, cleanText, clockTime, clockWords, dateTime, dayOf, decimalsOf, formatNumber, offsetAt, tableTime, unitText, valueText } from './format.ts';
import type { ParsedReportPdfInput } from './input.ts';
import type { Writer } from './layout.ts';
import { mergedFlags, organise, type ContinuousGroup, type Reading, type SpotRow } from './readings.ts';
import { ARABIC_NOTICE, CLOCK_UNITS, FLAG_WORDS, INS_KIND_WORDS, MEASURE_WORDS, SEX_WORDS, STATE_WORDS, STATUS_WORDS, WORDS, secondLanguage, type WordKey, type WordLanguage } from './words.ts';

/** What the device answered instead of a number, as IEEE 11073 names its special values (the same in every language). */
const ABSENT_SAID: Record<Exclude<AbsentReason, 'reserved'>, string> = { nan: 'NaN', nres: 'NRes', 'positive-infinity': '+INF', 'negative-infinity': '-INF' };

/** The sections of the report document, in order; every label French first, then the second language. */

/** A device id longer than this is cut in the tables (ids are `driver:port`, a few dozen characters). */
const DEVICE_CHARS = 64;
const LANGUAGE_NAMES: Record<Language, string> = { fr: 'français', en: 'anglais / English', ar: 'arabe / Arabic' };

export class Sections {
  private readonly second: WordLanguage | undefined;
  private readonly input: ParsedReportPdfInput;
  private readonly w: Writer;
  private readonly day: string;

  constructor(w: Writer, input: ParsedReportPdfInput) {
    this.w = w;
    this.input = input;
    this.second = secondLanguage(input.language);
    this.day = dayOf(this.start);
  }

  /** One line of free text, safe to lay out (see cleanLine), in characters the font has. */
  private line(text: string, max?: number): string {
    return cleanLine(text, max, this.w.hasGlyph);
  }

  /** Free text (notes, incident details), safe to lay out. */
  private free(text: string): string {
    return cleanText(text, this.w.hasGlyph);
  }

  private get start(): number {
    return this.input.report.claimedAt ?? this.input.report.createdAt;
  }

  /** A label in French, then in the second language. */
  private l(key: WordKey): string {
    return this.second && WORDS[this.second][key] !== WORDS.fr[key] ? `${WORDS.fr[key]} / ${WORDS[this.second][key]}` : WORDS.fr[key];
  }

  /** Words from a table of both languages. */
  private both<K extends string>(table: Record<WordLanguage, Record<K, string>>, key: K, sep = ' / '): string {
    return this.second ? `${table.fr[key]}${sep}${table[this.second][key]}` : table.fr[key];
  }

  /** A sentence in French, then in the second language in grey. */
  private sentence(key: WordKey): void {
    this.w.paragraph(WORDS.fr[key]);
    if (this.second) this.w.paragraph(WORDS[this.second][key], { color: '#444444' });
  }

  private when(t: number | null): string {
    if (t === null) return this.l('notEnded');
    return this.second ? `${dateTime(t, 'fr')}\n${dateTime(t, 'en')}` : dateTime(t, 'fr');
  }

  /** The reference written at the foot of every page. */
  reference(): string {
    const r = this.input.report;
    return `${WORDS.fr.title} — ${this.line(r.cabin.name, 60)} — ${dayOf(this.start)} — ${this.line(r.consultationId, 60)}`;
  }

  header(): void {
    this.w.title(WORDS.fr.title, this.second ? WORDS[this.second].title : undefined);
    if (this.input.language === 'ar') {
      this.w.paragraph(ARABIC_NOTICE.fr, { size: 8, color: '#444444' });
      this.w.paragraph(ARABIC_NOTICE.en, { size: 8, color: '#444444' });
      // One run without digits or Latin letters: fontkit shapes and orders it right to left (see ARABIC_NOTICE).
      this.w.paragraph(ARABIC_NOTICE.ar, { size: 10, align: 'right', features: ['rtla'] });
    }
  }

  consultation(): void {
    const r = this.input.report;
    const w = this.w;
    w.field(this.l('cabin'), `${this.line(r.cabin.name)} (${this.line(r.cabin.id)})`);
    this.patient(this.input.patient);
    w.field(this.l('language'), LANGUAGE_NAMES[this.input.language]);
    w.field(this.l('doctor'), r.doctor ? `${this.line(r.doctor.name)} (${this.line(r.doctor.id)})` : this.l('noDoctor'));
    w.field(this.l('date'), this.when(this.start));
    w.field(this.l('requested'), clockTime(r.createdAt, 'fr', true));
    w.field(this.l('start'), r.claimedAt === null ? '—' : clockTime(r.claimedAt, 'fr', true));
    w.field(this.l('end'), r.endedAt === null ? this.l('notEnded') : `${clockTime(r.endedAt, 'fr', true)}${dayOf(r.endedAt) !== this.day ? `, ${dayOf(r.endedAt)}` : ''}`);
    w.field(this.l('state'), this.both(STATE_WORDS, r.state));
    const people = [
      r.doctor ? `${this.line(r.doctor.name)} (${this.l('participantDoctor')})` : undefined,
      `${this.patientName(this.input.patient)} (${this.l('participantPatient')} « ${this.line(r.cabin.name)} »)`,
    ].filter((p): p is string => p !== undefined);
    w.field(this.l('participants'), people.join('\n'));
  }

  private patientName(p: PatientIdentity | null): string {
    if (!p) return this.l('unidentified');
    const used = p.usedName && p.usedName !== p.birthName ? ` (${p.usedName})` : '';
    return this.line(`${p.birthName}${used} ${p.usedFirstName ?? p.firstNames[0] ?? ''}`);
  }

  private patient(p: PatientIdentity | null): void {
    if (!p) {
      this.w.field(this.l('patient'), `${this.l('unidentified')}\n${WORDS.fr.unidentifiedHint}${this.second ? `\n${WORDS[this.second].unidentifiedHint}` : ''}`);
      return;
    }
    const born = (lang: WordLanguage): string =>
      `${WORDS[lang].born} ${new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: 'UTC', dateStyle: 'long' }).format(new Date(`${p.birthDate}T00:00:00Z`))}`;
    const lines = [
      this.line(`${p.birthName} ${p.firstNames.join(' ')}`),
      this.second ? `${born('fr')} / ${born(this.second)}` : born('fr'),
      `${this.l('sex')} : ${this.both(SEX_WORDS, p.sex)}`,
      ...(p.birthplace ? [`${this.l('birthplace')} : ${p.birthplace}`] : []),
      ...(p.usedName ? [`${this.l('usedName')} : ${this.line(p.usedName)}`] : []),
      ...(p.usedFirstName ? [`${this.l('usedFirstName')} : ${this.line(p.usedFirstName)}`] : []),
      ...(p.ins ? [`${WORDS.fr.ins} : ${p.ins.value} (${INS_KIND_WORDS[p.ins.kind] ?? p.ins.kind})`] : []),
    ];
    this.w.field(this.l('patient'), lines.join('\n'));
    this.w.field(this.l('identity'), this.both(STATUS_WORDS, p.status, '\n'));
  }

  private measureName(code: string): string {
    const name = (lang: WordLanguage): string => MEASURE_WORDS[lang][code] ?? CATALOGUE.get(code)?.names[lang] ?? code;
    return this.second && name(this.second) !== name('fr') ? `${name('fr')} / ${name(this.second)}` : name('fr');
  }

  private remarks(readings: readonly Pick<Reading, 'flags' | 'deviceClock' | 'fromCabinAt' | 'reported' | 'absent'>[], t: number): string {
    const out: string[] = mergedFlags(readings).map((f) => this.both(FLAG_WORDS, f));
    const clock = readings.map((r) => clockWords(r.deviceClock)).find((c) => c !== undefined);
    if (clock) {
      const say = (lang: WordLanguage): string =>
        clock.kind === 'unset' ? WORDS[lang].clockUnset : `${WORDS[lang].clockSkewed} ${clock.count} ${CLOCK_UNITS[lang][clock.unit][clock.count === 1 ? 0 : 1]}`;
      out.push(this.second ? `${say('fr')} / ${say(this.second)}` : say('fr'));
    }
    const late = readings.find((r) => r.fromCabinAt !== undefined)?.fromCabinAt;
    if (late !== undefined) out.push(`${this.l('fromCabin')} (${tableTime(late)})`);
    // The device's own values when every number of the row was converted; a part it gave no number for (a cuff's
    // absent MAP) has none to give and does not hide the others (« 17,1/10,9 kPa sur l’appareil »).
    const numbers = readings.filter((r) => r.absent === undefined);
    const reported = numbers.filter((r) => r.reported);
    if (reported.length > 0 && reported.length === numbers.length) {
      const unit = unitText(reported[0]!.reported!.unit);
      const values = reported.map((r) => formatNumber(r.reported!.value, Math.min(r.reported!.decimals, 4), 'fr')).join('/');
      out.push(`${values}\u00a0${unit} ${this.l('reported')}`);
    }
    if (dayOf(t) !== this.day) out.push(`${this.l('otherDay')} ${dayOf(t)}`);
    return out.join(' ; ');
  }

  /**
   * A reading the device gave without a number (its special value), in words, French then the second language:
   * « mesure impossible (l’appareil a répondu « NRes ») »; never a number.
   */
  private absentText(reason: AbsentReason): string {
    const said = (lang: WordLanguage) => (reason === 'reserved' ? WORDS[lang].absentReserved : ABSENT_SAID[reason]);
    const text = (lang: WordLanguage) => WORDS[lang].absent.replace('{said}', said(lang));
    return this.second ? `${text('fr')} / ${text(this.second)}` : text('fr');
  }

  private spotValue(row: SpotRow): string {
    const r = row.readings;
    if (row.code === 'bp') {
      const [sys, dia, mean] = [r[0]!, r[1]!, r[2]];
      // A cuff that gave no systolic or diastolic number failed the measurement: said so, no half pressure.
      if (sys.value === undefined || dia.value === undefined) return this.absentText(sys.absent ?? dia.absent ?? 'nan');
      const n = (v: number, x: Reading): string => formatNumber(v, decimalsOf(x.code, x.decimals), 'fr');
      const meanText =
        mean === undefined ? '' : mean.value === undefined ? ` (${this.l('meanAbsent')})` : ` (${this.second ? 'moyenne / mean' : 'moyenne'} ${n(mean.value, mean)})`;
      return `${n(sys.value, sys)}/${n(dia.value, dia)}\u00a0${unitText(sys.unit)}${meanText}`;
    }
    const x = r[0]!;
    return x.value === undefined ? this.absentText(x.absent ?? 'nan') : valueText(x.value, decimalsOf(x.code, x.decimals), x.unit, 'fr');
  }

  readings(): void {
    const { spots, continuous, bp, spo2 } = organise(this.input.report.readings);
    this.w.heading(this.l('readings'));
    this.w.paragraph(`${this.l('timesIn')} (${offsetAt(this.start)})`, { size: 8, color: '#444444' });
    if (spots.length === 0 && continuous.length === 0) this.sentence('noReadings');
    if (spots.length > 0) {
      this.w.paragraph(this.l('spots'), { font: 'bold' });
      const columns = [
        { title: this.l('time'), width: 0.1 },
        { title: this.l('device'), width: 0.22 },
        { title: this.l('measure'), width: 0.2 },
        { title: this.l('value'), width: 0.16 },
        { title: this.l('remarks'), width: 0.32 },
      ];
      this.w.table(columns, this.spotCells(spots));
    }
    if (continuous.length > 0) {
      this.w.paragraph(this.l('continuous'), { font: 'bold' });
      this.sentence('continuousHint');
      for (const g of continuous) this.continuousGroup(g);
    }
    this.trends(bp, spo2);
  }

  private continuousGroup(g: ContinuousGroup): void {
    this.w.ensure(60);
    this.w.paragraph(`${this.measureName(g.code)} — ${this.line(this.deviceLabel(g.deviceId), DEVICE_CHARS)} — ${g.count} ${this.second ? 'mesures / readings' : 'mesures'} (${unitText(g.unit) || '—'})`, { size: 8.5 });
    const columns = [
      { title: this.l('minute'), width: 0.1 },
      { title: this.l('count'), width: 0.1 },
      { title: this.l('min'), width: 0.1 },
      { title: this.l('median'), width: 0.12 },
      { title: this.l('max'), width: 0.1 },
      { title: this.l('remarks'), width: 0.48 },
    ];
    this.w.table(columns, this.minuteCells(g));
  }

  /** The spot table's rows, made as the table draws them (10 000 readings need not be held twice). */
  private *spotCells(spots: readonly SpotRow[]): Generator<string[]> {
    for (const row of spots) yield [tableTime(row.t), this.line(this.deviceLabel(row.deviceId), DEVICE_CHARS), this.measureName(row.code), this.spotValue(row), this.remarks(row.readings, row.t)];
  }

  private *minuteCells(g: ContinuousGroup): Generator<string[]> {
    for (const m of g.minutes) {
      const d = decimalsOf(g.code, m.decimals);
      const t = m.minute * 60_000;
      const meta = { flags: m.flags, ...(m.clocks[0] ? { deviceClock: m.clocks[0] } : {}) };
      yield [tableTime(t).slice(0, 5), String(m.count), formatNumber(m.min, d, 'fr'), formatNumber(m.median, d, 'fr'), formatNumber(m.max, d, 'fr'), this.remarks([meta], t)];
    }
  }

  private trends(bp: { t: number; values: number[] }[], spo2: { t: number; values: number[] }[]): void {
    if (bp.length < 2 && spo2.length < 2) return;
    this.w.ensure(200);
    this.w.heading(this.l('trends'));
    const chart = (title: string, points: { t: number; values: number[] }[], series: { index: number; color: string; label: string }[]): void => {
      this.w.ensure(150);
      this.w.paragraph(title, { font: 'bold', size: 8.5 });
      const box = { x: this.w.left, y: this.w.doc.y, w: this.w.width, h: 120 };
      drawTrend(this.w.doc, box, points, series);
      this.w.doc.x = this.w.left;
      this.w.doc.y = box.y + box.h + 8;
    };
    if (bp.length >= 2)
      chart(this.l('bpTrend'), bp, [
        { index: 0, color: '#b00020', label: this.second ? 'systolique / systolic' : 'systolique' },
        { index: 1, color: '#1f4e9c', label: this.second ? 'diastolique / diastolic' : 'diastolique' },
      ]);
    if (spo2.length >= 2) chart(this.l('spo2Trend'), spo2, [{ index: 0, color: '#1f4e9c', label: 'SpO2' }]);
  }

  /**
   * The passages of the pleth the doctor kept during the call (« Garder ce passage »), after the readings: each its
   * time (and day when not the consultation's), duration and device, then its curve in a small frame.
   */
  markedPleth(): void {
    const passages = (this.input.report.pleth ?? []).filter((p) => p.marked).sort((a, b) => a.t - b.t);
    if (passages.length === 0) return;
    this.w.heading(this.l('plethMarked'));
    this.sentence('plethMarkedHelp');
    const h = 46;
    for (const p of passages) {
      const seconds = formatNumber(p.samples.length / p.rate, 1, 'fr');
      const when = `${tableTime(p.t)}${dayOf(p.t) !== this.day ? `, ${dayOf(p.t)}` : ''}`;
      this.w.ensure(h + 20);
      this.w.paragraph(`${when} — ${seconds} s — ${this.line(this.deviceLabel(p.deviceId), DEVICE_CHARS)}`, { size: 8.5 });
      drawPassage(this.w.doc, { x: this.w.left, y: this.w.doc.y, w: this.w.width, h }, p);
      this.w.doc.x = this.w.left;
      this.w.doc.y += h + 6;
    }
  }

  /** A reading's device as the cabin described it (manufacturer and model), or its id when it was not described. */
  private deviceLabel(deviceId: string): string {
    const d = this.input.report.devices?.find((x) => x.deviceId === deviceId);
    const said = [d?.manufacturer, d?.model].filter(Boolean).join(' ');
    return said || deviceId;
  }

  /** Which devices measured (what they said of themselves): the acts' means, for the record (CSP R.6316-4). */
  devices(): void {
    const list = this.input.report.devices ?? [];
    if (list.length === 0) return;
    this.w.heading(this.l('devices'));
    const versions = (d: (typeof list)[number]): string =>
      [d.firmware && `FW ${d.firmware}`, d.hardware && `HW ${d.hardware}`, d.software && `SW ${d.software}`].filter(Boolean).join(', ') || '—';
    const ids = (d: (typeof list)[number]): string =>
      [d.address && `Bluetooth ${d.address}`, d.systemId && `System ID ${d.systemId}`, d.usb && `USB ${d.usb.vendorId}:${d.usb.productId}`].filter(Boolean).join('\n') || '—';
    this.w.table(
      [
        { title: this.l('device'), width: 0.34 },
        { title: this.l('serial'), width: 0.18 },
        { title: this.l('versions'), width: 0.2 },
        { title: this.l('identifiers'), width: 0.28 },
      ],
      list.map((d) => [this.free(`${this.deviceLabel(d.deviceId)}${d.name && d.name !== this.deviceLabel(d.deviceId) ? `\n${d.name}` : ''}`), this.line(d.serial ?? '—'), this.line(versions(d)), this.free(ids(d))]),
    );
  }

  snapshots(): void {
    const shots = this.input.snapshots ?? [];
    if (shots.length === 0) return;
    this.w.heading(this.l('snapshots'));
    const size = (this.w.width - 12) / 2;
    const height = size * 0.75;
    shots.forEach((s, i) => {
      const column = i % 2;
      if (column === 0) this.w.ensure(height + 16);
      const x = this.w.left + column * (size + 12);
      const y = this.w.doc.y;
      const caption = `${tableTime(s.t)}${dayOf(s.t) !== this.day ? `, ${dayOf(s.t)}` : ''}`;
      try {
        this.w.doc.image(Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength), x, y, { fit: [size, height], align: 'center', valign: 'center' });
        this.w.doc.fontSize(7.5).font('regular').text(caption, x, y + height + 2, { width: size, align: 'center', lineBreak: false });
      } catch {
        this.w.doc.fontSize(7.5).font('regular').text(`${caption} : ${this.l('snapshotUnreadable')}`, x, y + height / 2, { width: size, align: 'center' });
      }
      this.w.doc.x = this.w.left;
      this.w.doc.y = column === 1 || i === shots.length - 1 ? y + height + 14 : y;
    });
  }

  notes(): void {
    this.w.heading(this.l('notes'));
    const notes = this.free(this.input.report.notes).trim();
    if (notes) this.w.paragraph(notes, { size: 9.5 });
    else this.sentence('noNotes');
  }

  incidents(): void {
    this.w.heading(this.l('incidents'));
    const list = [...this.input.report.incidents].sort((a, b) => a.t - b.t);
    if (list.length === 0) {
      this.sentence('noIncidents');
      return;
    }
    const side = (s: string): string => this.l(s === 'doctor' ? 'sideDoctor' : s === 'cabin' ? 'sideCabin' : 'sideHub');
    this.w.table(
      [
        { title: this.l('time'), width: 0.12 },
        { title: this.l('source'), width: 0.2 },
        { title: this.l('detail'), width: 0.68 },
      ],
      list.map((i) => [`${tableTime(i.t)}${dayOf(i.t) !== this.day ? `\n${dayOf(i.t)}` : ''}`, side(i.side), this.free(i.detail).trim() || '—']),
    );
  }

  closing(): void {
    if (this.input.bundleHash) {
      this.w.heading(this.l('bundleHash'));
      this.w.paragraph(this.input.bundleHash.toLowerCase(), { font: 'mono', size: 8.5 });
    }
    this.w.doc.moveDown(0.6);
    this.w.paragraph(`${WORDS.fr.generated} ${dateTime(this.input.generatedAt, 'fr')}${this.second ? ` / ${WORDS[this.second].generated} ${dateTime(this.input.generatedAt, 'en')}` : ''}`, { size: 8, color: '#444444' });
  }
}
