import { createHash } from 'node:crypto';

/**
 * FHIR JSON that keeps a measurement's precision: FHIR reads the decimal's written form as its precision, and
 * JSON.stringify writes 37.6 for a thermometer's 37.60. A quantity built with `quantityValue` is written with its
 * decimals.
 */

const DECIMALS = new WeakMap<object, number>();

/** Marks `holder.value` to be written with `decimals` places (holder: a FHIR Quantity). */
export function keepDecimals<T extends { value?: number }>(holder: T, decimals: number | undefined): T {
  if (decimals !== undefined && Number.isInteger(decimals) && decimals >= 0 && decimals <= 8) DECIMALS.set(holder, decimals);
  return holder;
}

const TOKEN = '\u0001dec:';

/** The resource or bundle as FHIR JSON, each marked value written with its decimals (`37.60`, not `37.6`). */
export function fhirJson(value: unknown, space?: number): string {
  const text = JSON.stringify(
    value,
    function (this: unknown, key: string, v: unknown) {
      if (key === 'value' && typeof v === 'number' && Number.isFinite(v) && this !== null && typeof this === 'object') {
        const d = DECIMALS.get(this);
        if (d !== undefined) return `${TOKEN}${v.toFixed(d)}`;
      }
      return v;
    },
    space,
  );
  // The token's \u0001 is written escaped by JSON.stringify: "\u0001dec:37.60" → 37.60.
  return text.replace(/"\\u0001dec:(-?\d+(?:\.\d+)?)"/g, '$1');
}

/** SHA-256 (hex) of the FHIR JSON: the report document names the Bundle it matches by this hash. */
export function fhirHash(value: unknown): string {
  return createHash('sha256').update(fhirJson(value)).digest('hex');
}
