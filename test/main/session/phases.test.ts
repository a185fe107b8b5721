import { describe, expect, it } from 'vitest';
import { PhaseSchema, type Phase } from '../../../src/shared/bridge.ts';
import { nextPhase, phaseMachine, phaseOf, phaseSnapshot, type PhaseEvent } from '../../../src/main/session/phases.ts';

const EVENTS: PhaseEvent['type'][] = ['start', 'accept', 'decline', 'end', 'idle', 'cleaned'];

/** The whole table: phase × event → next phase ('—' where the event does not apply and nothing moves). */
const TABLE: Record<Phase, Partial<Record<PhaseEvent['type'], Phase>>> = {
  welcome: { start: 'consent' },
  consent: { accept: 'exam', decline: 'welcome', idle: 'welcome' },
  exam: { end: 'end', idle: 'cleaning' },
  end: { end: 'cleaning', idle: 'cleaning' },
  cleaning: { cleaned: 'welcome' },
};

describe('visit phases (xstate)', () => {
  it('has exactly the contract’s phases', () => {
    expect(Object.keys(phaseMachine.config.states ?? {}).sort()).toEqual([...PhaseSchema.options].sort());
  });

  it('moves as the table says for every phase and event, and stays put (can() false) where the event does not apply', () => {
    for (const phase of PhaseSchema.options) {
      for (const type of EVENTS) {
        const s = phaseSnapshot(phase);
        const to = TABLE[phase][type];
        expect([phase, type, s.can({ type })]).toEqual([phase, type, to !== undefined]);
        expect([phase, type, phaseOf(nextPhase(s, { type }))]).toEqual([phase, type, to ?? phase]);
      }
    }
  });
});
