/** Tanita `CS`: byte sum mod 256 of `bytes[from, to)`, i.e. from `{` through the comma before `CS`. */
export function tanitaSum(bytes: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum = (sum + (bytes[i] ?? 0)) & 0xff;
  return sum;
}
