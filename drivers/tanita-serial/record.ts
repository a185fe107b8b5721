/**
 * Reads the fields of one verified Tanita line (protocols.md §5.1): `{0,16,~0,1,~1,1,~2,1,` control header
 * (ignored), then alternating `tag,value` pairs; strings are in double quotes. Units are converted to the
 * catalogue's (kg, cm).
 */
export type Fields = ReadonlyMap<string, string>;

const LB_KG = 0.45359237;
const INCH_CM = 2.54;
const TAG = /^[A-Za-z][A-Za-z0-9]$/;
const NUMBER = /^\s*-?\d+(?:\.\d+)?\s*$/;
/** Stones and pounds, e.g. `14-1.0` (the separator is not documented: -, :, space or ' are accepted). */
const STONE_LB = /^\s*(\d{1,3})\s*[-: ']\s*(\d{1,2}(?:\.\d+)?)\s*$/;
/** Feet and inches, e.g. `6-3.0` or `6'3.0"` (format not documented; same separators). */
const FEET_INCH = /^\s*(\d)\s*[-: ']\s*(\d{1,2}(?:\.\d+)?)\s*"?\s*$/;

/** Splits on commas outside double quotes; undefined when a quote is left open. */
function split(text: string): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x2c && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) return undefined;
  out.push(text.slice(start));
  return out;
}

const unquote = (v: string): string => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** `body` is the line up to, not including, the comma before `CS`. Undefined when it is not tag,value pairs. */
export function parseFields(body: string): Fields | undefined {
  const tokens = split(body);
  if (!tokens) return undefined;
  let i = 0;
  if (tokens[0]?.startsWith('{')) {
    i = 2;
    while (tokens[i]?.startsWith('~')) i += 2;
  }
  if (i > tokens.length || (tokens.length - i) % 2 !== 0) return undefined;
  const fields = new Map<string, string>();
  for (; i < tokens.length; i += 2) {
    const tag = tokens[i]!;
    if (!TAG.test(tag) || fields.has(tag)) return undefined;
    fields.set(tag, unquote(tokens[i + 1]!));
  }
  return fields.size > 0 ? fields : undefined;
}

/** A plain number, or undefined (absent, dashes, text). */
export function num(fields: Fields, tag: string): number | undefined {
  const v = fields.get(tag);
  return v !== undefined && NUMBER.test(v) ? parseFloat(v) : undefined;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Weight in kg: `Wk` as sent; `Wp` (lb) and `Ws` (st-lb) converted, kept to 0.01 kg so no resolution is lost. */
export function weightKg(fields: Fields): number | undefined {
  const kg = num(fields, 'Wk');
  if (kg !== undefined) return kg;
  const lb = num(fields, 'Wp');
  if (lb !== undefined) return round2(lb * LB_KG);
  const m = STONE_LB.exec(fields.get('Ws') ?? '');
  if (!m) return undefined;
  const pounds = parseFloat(m[2]!);
  return pounds < 14 ? round2((parseInt(m[1]!, 10) * 14 + pounds) * LB_KG) : undefined;
}

/** Height in cm: `Hm` as sent; `Hf` (ft-in) converted to 0.1 cm. */
export function heightCm(fields: Fields): number | undefined {
  const cm = num(fields, 'Hm');
  if (cm !== undefined) return cm;
  const m = FEET_INCH.exec(fields.get('Hf') ?? '');
  if (!m) return undefined;
  const inches = parseFloat(m[2]!);
  return inches < 12 ? round1((parseInt(m[1]!, 10) * 12 + inches) * INCH_CM) : undefined;
}
