/**
 * Parses one Masimo "ASCII 1" line (without its CR LF), by tag, as protocols.md §3 advises:
 * `02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% … ALARM=0000 EXC=000800`.
 * There is no checksum, so the format is checked strictly: a line that does not parse is dropped whole.
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

const DATE_TIME = /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d$/;
const SPO2 = /^\d{1,3}%$/;
const BPM = /^\d{1,3}$/;
const PI = /^\d{1,2}\.\d{1,2}%$/;
const HEX = /^[0-9A-Fa-f]{1,8}$/;

/** Value with a known format: a number, `null` when dash-filled, `undefined` when malformed. */
function numeric(value: string, format: RegExp): number | null | undefined {
  if (value.charAt(1) === '-') return null;
  if (!format.test(value)) return undefined;
  const n = parseFloat(value);
  // Masimo prints zeros where it has no reading (trend output): never a real SpO2, pulse rate or PI.
  return n === 0 ? null : n;
}

export function parseLine(text: string): MasimoLine | undefined {
  // The device's date/time opens every line; requiring it rejects lines glued to garbage.
  if (text.length < 17 || !DATE_TIME.test(text.slice(0, 17))) return undefined;
  if (text.length > 17 && text.charAt(17) !== ' ') return undefined;
  let spo2: number | null | undefined;
  let bpm: number | null | undefined;
  let pi: number | null = null;
  let alarm = 0;
  let exc = 0x800;
  const seen = new Set<string>();
  for (const token of text.slice(18).split(' ')) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq <= 0) return undefined;
    const tag = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (seen.has(tag)) return undefined;
    seen.add(tag);
    switch (tag) {
      case 'SPO2':
        spo2 = numeric(value, SPO2);
        if (spo2 === undefined) return undefined;
        break;
      case 'BPM':
        bpm = numeric(value, BPM);
        if (bpm === undefined) return undefined;
        break;
      case 'PI': {
        const v = numeric(value, PI);
        if (v === undefined) return undefined;
        pi = v;
        break;
      }
      case 'ALARM':
        if (!HEX.test(value)) return undefined;
        alarm = parseInt(value, 16);
        break;
      case 'EXC':
        if (!HEX.test(value)) return undefined;
        exc = parseInt(value, 16);
        break;
      default:
        // SN, SPCO, SPMET, DESAT, PIDELTA, PVI…: not emitted (no catalogue code), only required to be NAME=value.
        break;
    }
  }
  if (spo2 === undefined || bpm === undefined) return undefined;
  return { spo2, bpm, pi, alarm, exc };
}
