import { setup, transition, type SnapshotFrom } from 'xstate';
import type { Phase } from '../../shared/bridge.ts';

/** What moves a visit from one phase to the next. */
export type PhaseEvent =
  | { type: 'start' }
  | { type: 'accept' }
  | { type: 'decline' }
  /** exam → end (summary), end → cleaning. */
  | { type: 'end' }
  /** Nobody answered the idle prompt. */
  | { type: 'idle' }
  | { type: 'cleaned' };

/**
 * The patient's visit, exactly the contract's phases (`PhaseSchema`): welcome → consent → exam → end → cleaning →
 * welcome. A declined consent or an abandoned consent screen goes back to welcome; an abandoned exam or summary
 * goes to cleaning, as does a cabin that stopped during a visit.
 */
export const phaseMachine = setup({ types: { events: {} as PhaseEvent } }).createMachine({
  id: 'visit',
  initial: 'welcome',
  states: {
    welcome: { on: { start: 'consent' } },
    consent: { on: { accept: 'exam', decline: 'welcome', idle: 'welcome' } },
    exam: { on: { end: 'end', idle: 'cleaning' } },
    end: { on: { end: 'cleaning', idle: 'cleaning' } },
    cleaning: { on: { cleaned: 'welcome' } },
  } satisfies Record<Phase, unknown>,
});

export type PhaseSnapshot = SnapshotFrom<typeof phaseMachine>;

export const phaseSnapshot = (phase: Phase): PhaseSnapshot => phaseMachine.resolveState({ value: phase });

export const phaseOf = (s: PhaseSnapshot): Phase => s.value as Phase;

/** The snapshot after `event` (the same phase when the event does not apply there). */
export const nextPhase = (s: PhaseSnapshot, event: PhaseEvent): PhaseSnapshot => transition(phaseMachine, s, event)[0];
