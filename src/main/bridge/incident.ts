import { randomInt } from 'node:crypto';

/** Letters and digits a person reads aloud without confusion: no 0/O, 1/I/L, 5/S, 2/Z, 8/B. */
export const INCIDENT_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
export const INCIDENT_LENGTH = 6;

/** A short incident number, shown to the patient and written to main's log with the failure (≈ 2.4 · 10⁸ values). */
export function newIncidentId(random: (max: number) => number = randomInt): string {
  let id = '';
  for (let i = 0; i < INCIDENT_LENGTH; i++) id += INCIDENT_ALPHABET[random(INCIDENT_ALPHABET.length)];
  return id;
}
