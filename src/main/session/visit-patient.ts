import type { PatientIdentity } from '../../shared/patient-identity.ts';

/**
 * Who the patient of the visit in progress is, as the assistant filed it at the kiosk (issue 13): in this process's
 * memory only, never in the store, like every other patient datum. It belongs to one visit: once the session's visit
 * is another one or none (the patient's data left the screen: cleaning, idle, declined consent), it is gone.
 */
export class VisitPatient {
  private held: { visit: string; identity: PatientIdentity } | undefined;

  /** Files (or replaces) the identity of this visit. */
  set(visit: string, identity: PatientIdentity): void {
    this.held = { visit, identity };
  }

  /** The identity of this visit; null when none was filed for it. */
  get(visit: string | null): PatientIdentity | null {
    return visit !== null && this.held?.visit === visit ? this.held.identity : null;
  }

  /** Every session view: the identity of a visit that is no longer the current one leaves memory (that visit, or null). */
  onSession(visit: string | null): string | null {
    if (!this.held || this.held.visit === visit) return null;
    const left = this.held.visit;
    this.held = undefined;
    return left;
  }

  /** Something is held (tests, and the assistant panel's state). */
  get holding(): boolean {
    return this.held !== undefined;
  }
}
