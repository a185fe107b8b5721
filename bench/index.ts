import { benchCliDecode } from './cli-decode.ts';
import { benchDecode } from './decode.ts';
import { benchKiosk } from './kiosk.ts';

/** `npm run bench [-- NAME] [--option value]`: each benchmark prints a table and writes bench/results/NAME.json. */
const BENCHES: Record<string, () => boolean | Promise<boolean>> = {
  decode: benchDecode,
  'cli-decode': () => benchCliDecode(),
  kiosk: () => benchKiosk(numberOption('minutes') ?? 30),
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

const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
let allMet = true;
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) allMet = (await BENCHES[name]!()) && allMet;
console.log(allMet ? '\nevery target met' : '\nSOME TARGETS MISSED');
