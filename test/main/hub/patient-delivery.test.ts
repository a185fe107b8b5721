import { describe, expect, it } from 'vitest';
import { PatientDelivery, type PatientLink } from '../../../src/main/hub/patient-delivery.ts';
import type { PatientIdentity } from '../../../src/shared/patient-identity.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { CHLOE } from '../../helpers/patients.ts';

/** The assistant's identity on its way to the hub (issue 13): in memory, sent until acknowledged. */

const PROVISIONAL: PatientIdentity = { birthName: 'Martin', firstNames: ['Chloé'], birthDate: '1992-03-12', sex: 'female', status: 'provisional' };

function setup() {
  const clock = new ManualClock();
  const sent: { consultationId: string; ref: string; identity: PatientIdentity }[] = [];
  const audits: string[] = [];
  const link: PatientLink & { connected: boolean } = {
    connected: true,
    patient: (consultationId, identity, ref) => link.connected && sent.push({ consultationId, identity, ref }) > 0,
  };
  const d = new PatientDelivery({ link, clock, onAudit: (a) => audits.push(a), answerTimeoutMs: 10_000, keepAfterVisitMs: 60_000 });
  return { clock, sent, audits, link, d };
}

describe('PatientDelivery', () => {
  it('waits for the visit’s consultation, sends once, and again after a reconnection until acknowledged, once', () => {
    const { clock, sent, link, d } = setup();
    d.file('visit-1', PROVISIONAL, null);
    expect(sent).toEqual([]);
    expect(d.state('visit-1')).toBe('waiting');
    // Another visit's consultation is not this visit's.
    d.consultation('visit-0', 'cons-0');
    expect(sent).toEqual([]);
    d.consultation('visit-1', 'cons-1');
    expect(sent).toEqual([{ consultationId: 'cons-1', identity: PROVISIONAL, ref: 'patient-1' }]);
    expect(d.state('visit-1')).toBe('sending');
    // The same consultation told again (a view resent): not sent twice on one connection.
    d.consultation('visit-1', 'cons-1');
    expect(sent).toHaveLength(1);

    // The socket drops before the answer; reconnections while down send nothing.
    link.connected = false;
    clock.advance(10_000);
    expect(sent).toHaveLength(1);
    link.connected = true;
    d.opened();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    expect(d.answer({ type: 'patient-filed', ref: 'patient-1', consultationId: 'cons-1', outcome: 'filed' })).toBe(true);
    expect(d.state('visit-1')).toBe('filed');
    // A second answer, a reconnection, a long wait: nothing more goes.
    d.answer({ type: 'patient-filed', ref: 'patient-1', consultationId: 'cons-1', outcome: 'unchanged' });
    d.opened();
    clock.advance(120_000);
    expect(sent).toHaveLength(2);
    expect(clock.pending).toBe(0);
    // Not this module's ref: left for the others.
    expect(d.answer({ type: 'error', ref: 'outbox-3', code: 'forbidden', message: 'x' })).toBe(false);
  });

  it('filed after the call (the summary screen), it still goes to the consultations the visit had', () => {
    const { sent, d } = setup();
    d.consultation('visit-1', 'cons-1');
    d.consultation('visit-1', 'cons-2');
    expect(sent).toEqual([]);
    d.file('visit-1', PROVISIONAL, null);
    expect(sent.map((s) => s.consultationId)).toEqual(['cons-1', 'cons-2']);
    // Another visit's consultations are not this one's.
    d.visitEnded('visit-1');
    d.consultation('visit-2', 'cons-3');
    d.file('visit-3', PROVISIONAL, null);
    expect(sent).toHaveLength(2);
    expect(d.state('visit-3')).toBe('waiting');
  });

  it('sends again after an unanswered wait on the same connection', () => {
    const { clock, sent, d } = setup();
    d.file('v', PROVISIONAL, 'cons-1');
    expect(sent).toHaveLength(1);
    clock.advance(9_999);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent.map((s) => s.ref)).toEqual(['patient-1', 'patient-1']);
  });

  it('a changed identity goes under a new ref; a late answer to the old one does not count for it', () => {
    const { sent, d } = setup();
    d.file('v', PROVISIONAL, 'cons-1');
    d.file('v', CHLOE, null);
    expect(sent.map((s) => [s.ref, s.identity.status])).toEqual([
      ['patient-1', 'provisional'],
      ['patient-2', 'qualified'],
    ]);
    d.answer({ type: 'patient-filed', ref: 'patient-1', consultationId: 'cons-1', outcome: 'filed' });
    expect(d.state('v')).toBe('sending');
    d.answer({ type: 'patient-filed', ref: 'patient-2', consultationId: 'cons-1', outcome: 'doctor-kept' });
    expect(d.state('v')).toBe('doctor-kept');
  });

  it('leaves memory at the visit’s end once acknowledged; unacknowledged, after the wait, with an audit line without the identity', () => {
    const { clock, audits, link, d } = setup();
    d.file('a', PROVISIONAL, 'cons-a');
    d.answer({ type: 'patient-filed', ref: 'patient-1', consultationId: 'cons-a', outcome: 'filed' });
    d.visitEnded('a');
    expect(d.held).toBe(0);
    expect(d.state('a')).toBeNull();

    link.connected = false;
    d.file('b', CHLOE, 'cons-b');
    d.visitEnded('b');
    expect(d.held).toBe(1);
    // Still delivered if the hub comes back within the wait...
    clock.advance(59_999);
    expect(d.held).toBe(1);
    clock.advance(1);
    // ...else gone, and said (never the names).
    expect(d.held).toBe(0);
    expect(audits).toEqual([expect.stringMatching(/did not reach the hub before it left memory/)]);
    expect(audits.join(' ')).not.toMatch(/Martin|Chlo/);

    // A visit with no consultation at all: nowhere to go, gone at once.
    d.file('c', PROVISIONAL, null);
    d.visitEnded('c');
    expect(d.held).toBe(0);
  });

  it('a refusal is final and audited; an internal error is tried again', () => {
    const { clock, sent, audits, d } = setup();
    d.file('v', PROVISIONAL, 'cons-1');
    d.answer({ type: 'error', ref: 'patient-1', code: 'internal', message: 'try again' });
    expect(d.state('v')).toBe('sending');
    clock.advance(10_000);
    expect(sent).toHaveLength(2);
    d.answer({ type: 'error', ref: 'patient-1', code: 'forbidden', message: 'This consultation is not yours' });
    expect(d.state('v')).toBe('refused');
    expect(audits).toEqual(['the hub refused the patient identity for consultation cons-1 (forbidden: This consultation is not yours)']);
    clock.advance(60_000);
    expect(sent).toHaveLength(2);
  });
});
