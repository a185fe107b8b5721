/** The dotted keys of a nested translation object, with their values (for the parity test and lookups). */
export function flattenKeys(tree: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    out.set(prefix, tree);
    return out;
  }
  for (const [key, value] of Object.entries(tree)) {
    for (const [k, v] of flattenKeys(value, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}
