import { benchCliDecode } from './cli-decode.ts';
import { benchDecode } from './decode.ts';
import { benchFhirExport } from './fhir-export.ts';
import { benchHubLoad } from './hub-load.ts';
import { benchKiosk } from './kiosk.ts';
import { benchLatency } from './latency.ts';
import { benchStethoscope } from './stethoscope.ts';
import { benchTelemetry } from './telemetry.ts';
import type { Impairment } from '../test/helpers/impair.ts';

/** `npm run bench [-- NAME] [--option value]`: each benchmark prints a table and writes bench/results/NAME.json. */
const BENCHES: Record<string, () => boolean | Promise<boolean>> = {
  decode: benchDecode,
  'cli-decode': () => benchCliDecode(),
  kiosk: () => benchKiosk(numberOption('minutes') ?? 30),
  'fhir-export': () => benchFhirExport(numberOption('minutes') ?? 30, numberOption('pictures') ?? 0),
  'hub-load': () =>
    benchHubLoad({
      engine: engineOption(),
      nodes: numberOption('nodes') ?? 1,
      killOne: options.has('kill-one'),
      cpuProf: stringOption('cpu-prof'),
      cabins: numberOption('cabins') ?? 10_000,
      doctors: numberOption('doctors') ?? 2_000,
      consultations: numberOption('consultations') ?? 500,
      rate: numberOption('rate') ?? 1_000,
      seconds: numberOption('seconds') ?? 60,
      burst: numberOption('burst') ?? 100,
    }),
  latency: () => benchLatency(numberOption('seconds') ?? 150, impairOption(), options.has('ble') ? 'ble' : 'serial'),
  telemetry: () => benchTelemetry(numberOption('seconds') ?? 60),
  cut: async () => (await import('./cut.ts')).benchCut(impairOption(), numberOption('seconds')),
  stethoscope: () => benchStethoscope({ wav: stringOption('wav'), tones: listOption('tones'), seconds: numberOption('seconds') }),
};

/** Names are the arguments that are not options (`--name value` or `--name=value`) or option values. */
const args = process.argv.slice(2);
const names: string[] = [];
const options = new Map<string, string>();
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (!a.startsWith('-')) {
    names.push(a);
    continue;
  }
  const [key, inline] = a.replace(/^-+/, '').split(/=(.*)/s, 2) as [string, string | undefined];
  const next = args[i + 1];
  if (inline !== undefined) options.set(key, inline);
  else if (next !== undefined && !next.startsWith('-') && !(next in BENCHES)) options.set(key, args[++i]!);
  else options.set(key, 'true');
}

/** `--impair DELAY,JITTER,LOSS[,KBPS]` (ms, ms, %, kbit/s per leg): the call through a poor-network relay. */
function impairOption(): Impairment | undefined {
  const v = options.get('impair');
  if (v === undefined) return undefined;
  const n = v.split(',').map(Number);
  if (n.length < 3 || n.length > 4 || n.some((x) => !Number.isFinite(x) || x < 0) || n[2]! > 100) {
    console.error(`--impair wants DELAY_MS,JITTER_MS,LOSS_PERCENT[,KBPS] (got ${v}), e.g. --impair 40,10,3.`);
    process.exit(2);
  }
  return { delayMs: n[0]!, jitterMs: n[1]!, lossPct: n[2]!, ...(n[3] ? { kbps: n[3] } : {}) };
}

/** `--engine sqlite|postgres` (hub-load), SQLite by default. */
function engineOption(): 'sqlite' | 'postgres' {
  const v = options.get('engine') ?? 'sqlite';
  if (v !== 'sqlite' && v !== 'postgres') {
    console.error(`--engine wants sqlite or postgres (got ${v}).`);
    process.exit(2);
  }
  return v;
}

function numberOption(name: string): number | undefined {
  const v = options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} wants a positive number (got ${v}).`);
    process.exit(2);
  }
  return n;
}

function stringOption(name: string): string | undefined {
  const v = options.get(name);
  if (v === 'true' || v === '') {
    console.error(`--${name} wants a value.`);
    process.exit(2);
  }
  return v;
}

/** A comma-separated list of positive numbers (`--tones 25,40,1000`). */
function listOption(name: string): number[] | undefined {
  const v = stringOption(name);
  if (v === undefined) return undefined;
  const list = v.split(',').map((x) => Number(x.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0)) {
    console.error(`--${name} wants comma-separated positive numbers, e.g. 25,40,1000 (got ${v}).`);
    process.exit(2);
  }
  return list;
}

const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
let allMet = true;
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
  try {
    allMet = (await BENCHES[name]!()) && allMet;
  } catch (err) {
    // A benchmark that cannot run (bad option, missing file, broken chain) is reported and the others still run.
    console.error(`\n${name}: could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
    allMet = false;
  }
}
console.log(allMet ? '\nevery target met' : '\nSOME TARGETS MISSED');
