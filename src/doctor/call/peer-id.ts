/** A random id for one RTCPeerConnection (`pc` in every signal). */
export function newPcId(random: () => number = Math.random): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  return Array.from({ length: 4 }, () => Math.floor(random() * 0x100000000).toString(16).padStart(8, '0')).join('');
}

/**
 * What a signal from the peer's `pc` means for ours: the first one we hear of is adopted; the same one is
 * business as usual; a different one means the peer started over (it reloaded), so we start over too.
 */
export function peerChange(known: string | undefined, incoming: string): 'adopt' | 'same' | 'restart' {
  if (known === undefined) return 'adopt';
  return known === incoming ? 'same' : 'restart';
}

/** Unique enough ids for commands and snapshot requests (≤ 64 characters). */
export function newRequestId(prefix: string): string {
  return `${prefix}-${newPcId().slice(0, 36)}`;
}
