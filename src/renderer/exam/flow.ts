import { assign, setup } from 'xstate';
import { STEP_ORDER, type StepKind } from './steps.ts';

interface FlowContext {
  steps: readonly StepKind[];
  current: StepKind | undefined;
  /** The step a reloaded page comes back to (main's `step`), once its device is listed; dropped when the patient moves. */
  resume: string | undefined;
  /** The patient went to another step (next, back, or a resumed one): from then on a change of devices keeps their step. */
  moved: boolean;
}
type FlowEvent = { type: 'steps'; steps: readonly StepKind[] } | { type: 'next' } | { type: 'back' };

/** The step to stay on when the plugged devices change: the same one, else the next one in exam order. */
export function keepStep(current: StepKind | undefined, steps: readonly StepKind[]): StepKind | undefined {
  if (current !== undefined && steps.includes(current)) return current;
  if (current === undefined) return steps[0];
  const order = STEP_ORDER.indexOf(current);
  return steps.find((s) => STEP_ORDER.indexOf(s) > order) ?? steps[steps.length - 1];
}

const offset = (ctx: FlowContext, by: number): number => (ctx.current === undefined ? -1 : ctx.steps.indexOf(ctx.current) + by);

/** The guided examination: one step per plugged device category, next and back. */
export const examFlow = setup({
  types: { context: {} as FlowContext, events: {} as FlowEvent, input: {} as { resume?: string | null } | undefined },
  guards: {
    hasSteps: ({ context }) => context.steps.length > 0,
    hasNext: ({ context }) => offset(context, 1) > 0 && offset(context, 1) < context.steps.length,
    hasPrevious: ({ context }) => offset(context, -1) >= 0,
  },
  actions: {
    setSteps: assign(({ context, event }) => {
      if (event.type !== 'steps') return {};
      const back = event.steps.find((s) => s === context.resume);
      if (back) return { steps: event.steps, current: back, resume: undefined, moved: true };
      // Before the patient has moved, the visit starts at the first step in exam order: a device listed a moment after
      // the others (a Bluetooth oximeter heard after the cuff) does not leave the patient on the cuff's step.
      if (!context.moved && context.resume === undefined) return { steps: event.steps, current: event.steps[0] };
      return { steps: event.steps, current: keepStep(context.current, event.steps) };
    }),
    next: assign({ current: ({ context }) => context.steps[offset(context, 1)] ?? context.current, resume: undefined, moved: true }),
    back: assign({ current: ({ context }) => context.steps[offset(context, -1)] ?? context.current, resume: undefined, moved: true }),
  },
}).createMachine({
  id: 'exam',
  context: ({ input }) => ({ steps: [], current: undefined, resume: input?.resume ?? undefined, moved: false }),
  initial: 'empty',
  on: { steps: { actions: 'setSteps', target: '.check' } },
  states: {
    check: { always: [{ guard: 'hasSteps', target: 'step' }, { target: 'empty' }] },
    empty: {},
    step: {
      on: {
        next: { guard: 'hasNext', actions: 'next' },
        back: { guard: 'hasPrevious', actions: 'back' },
      },
    },
  },
});
