import { hashPin } from '../src/main/session/pin.ts';

/** `npm run pin -- 482913`: prints the `assistantPinHash` value for the cabin config. */
const pin = process.argv[2] ?? '';
if (!/^\d{4,8}$/.test(pin)) {
  console.error('usage: npm run pin -- DIGITS   (4 to 8 digits)');
  process.exit(2);
}
console.log(hashPin(pin));
