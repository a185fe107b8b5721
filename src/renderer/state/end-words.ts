/** What the end screen says of the doctor: only what happened in this visit. */
export interface EndWords {
  /** Where the measurements went; null when the cabin works without a hub (no doctor to speak of). */
  sent: 'end.sent' | 'end.notSent' | null;
  /** What the patient does now. */
  next: 'end.afterCall' | 'end.afterVisit';
}

/**
 * `joined`: a doctor took this visit's call (it was active at some point); `hub`: the cabin has a hub at all.
 * « Le médecin a reçu vos mesures » is said only when a doctor did; a visit no doctor took says so plainly.
 */
export function endWords(joined: boolean, hub: boolean): EndWords {
  return {
    sent: joined ? 'end.sent' : hub ? 'end.notSent' : null,
    next: joined ? 'end.afterCall' : 'end.afterVisit',
  };
}
