import { benchCliDecode } from './cli-decode.ts';
import { benchDecode } from './decode.ts';

/** `npm run bench [-- NAME]`: each benchmark prints a table and writes bench/results/NAME.json. */
const BENCHES: Record<string, () => boolean | Promise<boolean>> = {
  decode: benchDecode,
  'cli-decode': () => benchCliDecode(),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
let allMet = true;
for (const name of names.length > 0 ? names : Object.keys(BENCHES)) allMet = (await BENCHES[name]!()) && allMet;
console.log(allMet ? '\nevery target met' : '\nSOME TARGETS MISSED');
