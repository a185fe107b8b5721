/**
 * Record Access Control Point 0x2A52 (ble-fhir.md §B5; GATT XML record_access_control_point), shared by the glucose
 * and blood pressure profiles: op code, operator, operand. Responses: `05 00 <count>` and
 * `06 00 <request op code> <response code>`.
 */
export const RACP = {
  report: 0x01,
  reportNumber: 0x04,
  numberResponse: 0x05,
  response: 0x06,
  success: 0x01,
  noRecords: 0x06,
  /** Op code unsupported, invalid operator, operator unsupported, invalid operand, operand unsupported: try another ask. */
  unsupported: [0x02, 0x03, 0x04, 0x05, 0x09] as readonly number[],
} as const;

/** The failure response codes by name (1 success and 6 no records found are not failures). */
export const RACP_FAILURES: Readonly<Record<number, string>> = {
  2: 'op-code-not-supported',
  3: 'invalid-operator',
  4: 'operator-not-supported',
  5: 'invalid-operand',
  7: 'abort-unsuccessful',
  8: 'procedure-not-completed',
  9: 'operand-not-supported',
};

export type RacpAsk = { readonly kind: 'all' } | { readonly kind: 'last' } | { readonly kind: 'from'; readonly seq: number };

export function racpRequest(ask: RacpAsk): number[] {
  if (ask.kind === 'all') return [RACP.report, 0x01];
  if (ask.kind === 'last') return [RACP.report, 0x06];
  // "Greater than or equal to", filter type 1 = sequence number (u16 LE).
  return [RACP.report, 0x03, 0x01, ask.seq & 0xff, (ask.seq >> 8) & 0xff];
}
