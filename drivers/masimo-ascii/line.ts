/**
 * Parses one Masimo serial line (without its CR LF), by tag, as protocols.md §3 advises. ASCII 1 lines:
 * `02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% … ALARM=0000 EXC=000800` (Rad-8), and the
 * Radical-7 colour layout, whose PI has no `%` and which adds tags (`PI=00.55 SPCO=--% … SPHB=--.- SPOC=--
 * RESVD=--- … ALARM=000000 EXC=0000C00 EXC1=00000000`): units are optional, unknown tags are skipped.
 * There is no checksum, so the format is checked strictly: a line that does not parse gives no value.
 */
export interface MasimoLine {
  /** `null` = the device marks the value unavailable (dashes, or 0). */
  readonly spo2: number | null;
  readonly bpm: number | null;
  /** `null` also when the model does not send PI. */
  readonly pi: number | null;
  /** 0 when the model does not send ALARM. */
  readonly alarm: number;
  /** 0x800 ("Masimo SET", normal) when the model does not send EXC. */
  readonly exc: number;
}

/**
 * What a line is: an ASCII 1 line with its fields; a line of the monitor's other text format (ASCII 2, the
 * trend/printer layout of the manual: `09/21/08 09:56:12 SpO2=097 PR=069 PI=04.69 EXC=800:SET`), which this
 * driver does not read; a line that opens like the monitor's (its date and time) but cannot be used; or
 * anything else (line noise, the tail of a line cut when the port opened).
 */
export type ParsedLine =
  | { readonly kind: 'ascii1'; readonly line: MasimoLine }
  | { readonly kind: 'ascii2' }
  | { readonly kind: 'unusable' }
  | { readonly kind: 'noise' };

// The manual writes the trend date MM\DD\YY; its samples and every live line use slashes.
const DATE_TIME = /^\d\d[/\\]\d\d[/\\]\d\d \d\d:\d\d:\d\d$/;
const SPO2 = /^\d{1,3}%?$/;
const BPM = /^\d{1,3}$/;
const PI = /^\d{1,2}\.\d{1,2}%?$/;
const HEX = /^[0-9A-Fa-f]{1,8}$/;
/** Tags of the ASCII 2 / trend layout (mixed case, `PR` for the pulse rate): never sent in ASCII 1. */
const ASCII2_TAGS = new Set(['SpO2', 'PR', 'SpCO', 'SpHb', 'Met']);

const NOISE: ParsedLine = { kind: 'noise' };
const UNUSABLE: ParsedLine = { kind: 'unusable' };
const ASCII2: ParsedLine = { kind: 'ascii2' };

/** Value with a known format: a number, `null` when dash-filled, `undefined` when malformed. */
function numeric(value: string, format: RegExp): number | null | undefined {
  if (value.charAt(1) === '-') return null;
  if (!format.test(value)) return undefined;
  const n = parseFloat(value);
  // Masimo prints zeros where it has no reading (trend output): never a real SpO2, pulse rate or PI.
  return n === 0 ? null : n;
}

export function parseLine(text: string): ParsedLine {
  // The device's date/time opens every line; requiring it rejects lines glued to garbage.
  if (text.length < 17 || !DATE_TIME.test(text.slice(0, 17))) return NOISE;
  if (text.length > 17 && text.charAt(17) !== ' ') return NOISE;
  const tokens = text
    .slice(18)
    .split(' ')
    .filter((s) => s !== '');
  const tags = tokens.map((token) => token.slice(0, Math.max(0, token.indexOf('='))));
  if (tags.some((tag) => ASCII2_TAGS.has(tag))) return ASCII2;
  let spo2: number | null | undefined;
  let bpm: number | null | undefined;
  let pi: number | null = null;
  let alarm = 0;
  let exc = 0x800;
  const seen = new Set<string>();
  for (const [i, token] of tokens.entries()) {
    const tag = tags[i]!;
    if (tag === '' || seen.has(tag)) return UNUSABLE;
    seen.add(tag);
    const value = token.slice(tag.length + 1);
    switch (tag) {
      case 'SPO2':
        spo2 = numeric(value, SPO2);
        if (spo2 === undefined) return UNUSABLE;
        break;
      case 'BPM':
        bpm = numeric(value, BPM);
        if (bpm === undefined) return UNUSABLE;
        break;
      case 'PI': {
        const v = numeric(value, PI);
        if (v === undefined) return UNUSABLE;
        pi = v;
        break;
      }
      case 'ALARM':
        if (!HEX.test(value)) return UNUSABLE;
        alarm = parseInt(value, 16);
        break;
      case 'EXC':
        if (!HEX.test(value)) return UNUSABLE;
        exc = parseInt(value, 16);
        break;
      default:
        // SN, SPCO, SPMET, SPHB, SPOC, DESAT, PIDELTA, PVI, EXC1…: not emitted (no catalogue code).
        break;
    }
  }
  if (spo2 === undefined || bpm === undefined) return UNUSABLE;
  return { kind: 'ascii1', line: { spo2, bpm, pi, alarm, exc } };
}
