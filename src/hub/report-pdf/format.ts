import { unitText } from '../../shared/unit-text.ts';
import { numberLocale, type Language } from '../../shared/language.ts';
import type { DeviceClock } from '../../shared/observation.ts';

/** Dates, times, numbers and units as the report writes them: Paris time with its offset, French typography first. */

const ZONE = 'Europe/Paris';

interface Parts {
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
  second: string;
  offset: string;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string): Intl.DateTimeFormat {
  let f = partsCache.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone: ZONE,
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    partsCache.set(locale, f);
  }
  return f;
}

function parts(t: number, locale: string): Parts | undefined {
  if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) return undefined;
  const out: Record<string, string> = {};
  for (const p of formatter(locale).formatToParts(t)) out[p.type === 'timeZoneName' ? 'offset' : p.type] = p.value;
  const offset = out.offset === 'GMT' || out.offset === 'UTC' ? 'UTC+00:00' : (out.offset ?? '').replace('GMT', 'UTC');
  return { day: out.day ?? '', month: out.month ?? '', year: out.year ?? '', hour: out.hour ?? '', minute: out.minute ?? '', second: out.second ?? '', offset };
}

const UNKNOWN_TIME = '—';

/** « 6 décembre 2026, 14 h 05 (UTC+01:00) »; English « 6 December 2026, 14:05 (UTC+01:00) ». */
export function dateTime(t: number | null, language: 'fr' | 'en'): string {
  const p = t === null ? undefined : parts(t, language === 'fr' ? 'fr-FR' : 'en-GB');
  if (!p) return UNKNOWN_TIME;
  const time = language === 'fr' ? `${p.hour}\u00a0h\u00a0${p.minute}` : `${p.hour}:${p.minute}`;
  return `${p.day} ${p.month} ${p.year}, ${time} (${p.offset})`;
}

/** « 14 h 05 » (French) or « 14:05 », with the offset when asked. */
export function clockTime(t: number | null, language: 'fr' | 'en', withOffset = false): string {
  const p = t === null ? undefined : parts(t, 'fr-FR');
  if (!p) return UNKNOWN_TIME;
  const time = language === 'fr' ? `${p.hour}\u00a0h\u00a0${p.minute}` : `${p.hour}:${p.minute}`;
  return withOffset ? `${time} (${p.offset})` : time;
}

/** A reading's time in a table, the same in every language: « 14:05:09 ». */
export function tableTime(t: number): string {
  const p = parts(t, 'fr-FR');
  return p ? `${p.hour}:${p.minute}:${p.second}` : UNKNOWN_TIME;
}

/** The day (Paris) of a time, to say in the table when a reading falls on another day than the consultation. */
export function dayOf(t: number): string {
  const p = parts(t, 'fr-FR');
  return p ? `${p.day} ${p.month} ${p.year}` : UNKNOWN_TIME;
}

/** The UTC offset of Paris at `t` (« UTC+01:00 »). */
export function offsetAt(t: number): string {
  return parts(t, 'fr-FR')?.offset ?? 'UTC';
}

const numberCache = new Map<string, Intl.NumberFormat>();
/** A number in the reader's language with exactly `decimals` decimals (« 37,60 » in French). */
export function formatNumber(value: number, decimals: number, language: Language): string {
  const key = `${language}:${decimals}`;
  let f = numberCache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(numberLocale(language), { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: false });
    numberCache.set(key, f);
  }
  return f.format(value);
}

/** The decimals written: the device's (at most 4: more is noise on paper), else what the console shows (0; 1 for temperature and weight). */
export function decimalsOf(code: string, decimals: number | undefined): number {
  if (decimals !== undefined && Number.isInteger(decimals)) return Math.min(Math.max(decimals, 0), 4);
  return code.startsWith('MDC_TEMP_') || code === 'MDC_MASS_BODY_ACTUAL' ? 1 : 0;
}

export { unitText };

/** A value and its unit: « 37,60 °C ». */
export function valueText(value: number, decimals: number, unit: string, language: Language): string {
  const u = unitText(unit);
  return u ? `${formatNumber(value, decimals, language)}\u00a0${u}` : formatNumber(value, decimals, language);
}

/** A device clock the reader must know about, as its offset in the unit a person says it in; undefined when it can be trusted. */
export type ClockWords = { kind: 'unset' } | { kind: 'skewed'; count: number; unit: 's' | 'min' | 'h' | 'd' };
export function clockWords(clock: DeviceClock | undefined): ClockWords | undefined {
  if (clock?.state === 'unset') return { kind: 'unset' };
  if (clock?.state !== 'skewed' || clock.offsetMs === undefined || !Number.isFinite(clock.offsetMs)) return undefined;
  const s = Math.abs(clock.offsetMs) / 1000;
  if (s < 90) return { kind: 'skewed', count: Math.max(1, Math.round(s)), unit: 's' };
  if (s < 90 * 60) return { kind: 'skewed', count: Math.round(s / 60), unit: 'min' };
  if (s < 36 * 3600) return { kind: 'skewed', count: Math.round(s / 3600), unit: 'h' };
  return { kind: 'skewed', count: Math.round(s / 86_400), unit: 'd' };
}

// Controls (but newline), bidi embeddings/overrides/isolates and marks, lone surrogates, noncharacters.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Free text (notes, incidents, names, ids) made safe to lay out: controls and bidi overrides removed (they would
 * reorder or hide what the doctor wrote), tabs as spaces, CRLF as LF.
 */
export function cleanText(text: string, hasGlyph?: (codePoint: number) => boolean): string {
  const clean = text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(UNSAFE, '');
  if (!hasGlyph) return clean;
  // A character the font lacks would be drawn as .notdef, which PDF/A forbids: written as U+FFFD instead.
  return clean.replace(/[^\n -~\u00a0-\u017f]/gu, (c) => (hasGlyph(c.codePointAt(0)!) ? c : '\ufffd'));
}

/** One line of free text (an id, a device): newlines as spaces, at most `max` characters. */
export function cleanLine(text: string, max = 200, hasGlyph?: (codePoint: number) => boolean): string {
  const s = cleanText(text, hasGlyph).replace(/\n+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
