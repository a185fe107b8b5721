import { assign, setup, type SnapshotFrom } from 'xstate';
import type { ConsultationView, QueueItem } from '../../shared/hub-protocol.ts';
import type { Call } from '../call/call.ts';
import type { HubState } from '../hub/client.ts';
import type { PastConsultation } from '../../shared/past-consultations.ts';

/** The console's screens, in the order a doctor meets them; the machine's top-level states are exactly these. */
export const SCREENS = ['restoring', 'login', 'queue', 'report', 'consultation'] as const;
export type Screen = (typeof SCREENS)[number];

/** 'cancelled': the hub closed the consultation without a report (a cabin leaving keeps it open: `cabinLeft`). */
export type Notice = 'report-saved' | 'cancelled' | 'consultation-ended' | 'session-expired' | 'replaced' | 'forbidden';

/** What the screens show: one immutable value, derived from the machine's state and context. */
export interface ConsoleState {
  /** 'restoring': asking the hub for the session of an earlier login (after a reload), before any form shows. */
  screen: Screen;
  me: { id: string; name: string } | undefined;
  hub: HubState;
  queue: QueueItem[];
  /** The consultation being claimed (Accept pressed, no answer yet): state `queue.claiming`. */
  claiming: string | undefined;
  claimError: { code: string; message: string } | undefined;
  consultation: ConsultationView | undefined;
  /**
   * The consultation's presence (`peerPresent`) is what the hub says now: false from the moment the console's own
   * connection to the hub drops until the hub sends the consultation again, so a stale « present » is never shown.
   */
  presenceKnown: boolean;
  call: Call | undefined;
  /** The end was asked for and is not answered yet: state `consultation.ending`. */
  ending: boolean;
  endError: string | undefined;
  notice: Notice | undefined;
  /** The patient of this consultation called the assistant (hub time, ms), until the doctor dismisses it. */
  help: { consultationId: string; at: number } | undefined;
  /** The past consultation whose report is open read-only (screen `report`), as « Mes consultations » listed it. */
  pastReport: PastConsultation | undefined;
}

interface ScreenContext {
  me: ConsoleState['me'];
  hub: HubState;
  queue: QueueItem[];
  claiming: string | undefined;
  claimError: ConsoleState['claimError'];
  consultation: ConsultationView | undefined;
  presenceKnown: boolean;
  call: Call | undefined;
  endError: string | undefined;
  notice: Notice | undefined;
  help: ConsoleState['help'];
  pastReport: PastConsultation | undefined;
}

export type ScreenEvent =
  | { type: 'restore' }
  | { type: 'restoreFailed' }
  | { type: 'signedIn'; me: { id: string; name: string } }
  | { type: 'signedOut'; notice: Notice | undefined }
  | { type: 'hub'; state: HubState }
  | { type: 'queue'; items: QueueItem[] }
  | { type: 'claim'; consultationId: string }
  | { type: 'claimFailed'; error: { code: string; message: string } }
  | { type: 'consultation'; consultation: ConsultationView; call: Call }
  | { type: 'end' }
  | { type: 'endFailed'; error: string }
  | { type: 'finished'; notice: Notice }
  | { type: 'dismissNotice' }
  | { type: 'help'; consultationId: string; at: number }
  | { type: 'dismissHelp' }
  | { type: 'openReport'; consultation: PastConsultation }
  | { type: 'closeReport' };

const SIGNED_OUT: ScreenContext = {
  me: undefined,
  hub: 'stopped',
  queue: [],
  claiming: undefined,
  claimError: undefined,
  consultation: undefined,
  presenceKnown: false,
  call: undefined,
  endError: undefined,
  notice: undefined,
  help: undefined,
  pastReport: undefined,
};

/**
 * The doctor console's screens as one machine: restoring an earlier session, the login form, the queue (idle
 * or claiming a consultation), a past consultation's report (read-only) and the consultation (in the call, or ending it). The controller does the I/O
 * and tells the machine what happened; the screens render what it derives (`toConsoleState`).
 */
export const screenMachine = setup({
  types: { context: {} as ScreenContext, events: {} as ScreenEvent },
  actions: {
    signedOut: assign(({ event }) => ({ ...SIGNED_OUT, notice: event.type === 'signedOut' ? event.notice : undefined })),
    signedIn: assign(({ event }) => (event.type === 'signedIn' ? { ...SIGNED_OUT, me: event.me, hub: 'connecting' as const } : {})),
    showConsultation: assign(({ event }) =>
      event.type === 'consultation' ? { consultation: event.consultation, presenceKnown: true, call: event.call, claiming: undefined, claimError: undefined, notice: undefined, pastReport: undefined } : {},
    ),
    openReport: assign(({ event }) => (event.type === 'openReport' ? { pastReport: event.consultation, claimError: undefined, notice: undefined } : {})),
  },
}).createMachine({
  id: 'console',
  context: SIGNED_OUT,
  initial: 'login',
  on: {
    signedIn: { target: '.queue', actions: 'signedIn' },
    signedOut: { target: '.login', actions: 'signedOut' },
    hub: { actions: assign({ hub: ({ event }) => event.state, presenceKnown: ({ event, context }) => context.presenceKnown && event.state === 'connected' }) },
    queue: { actions: assign({ queue: ({ event }) => event.items }) },
    dismissNotice: { actions: assign({ notice: undefined }) },
  },
  states: {
    restoring: {
      on: { restoreFailed: { target: 'login' } },
    },
    login: {
      on: { restore: { target: 'restoring', actions: assign({ notice: undefined }) } },
    },
    queue: {
      initial: 'idle',
      on: {
        consultation: { target: 'consultation', actions: 'showConsultation' },
        // Another Accept while one is pending: the later one is the one waited for.
        claim: { target: '.claiming', actions: assign({ claiming: ({ event }) => event.consultationId, claimError: undefined, notice: undefined }) },
        openReport: { target: 'report', actions: 'openReport' },
      },
      states: {
        idle: {},
        claiming: {
          on: { claimFailed: { target: 'idle', actions: assign({ claiming: undefined, claimError: ({ event }) => event.error }) } },
        },
      },
    },
    // A past consultation's report, read-only; the hub pushing an open consultation (a reload) still shows it.
    report: {
      on: {
        openReport: { actions: 'openReport' },
        closeReport: { target: 'queue', actions: assign({ pastReport: undefined }) },
        consultation: { target: 'consultation', actions: 'showConsultation' },
      },
    },
    consultation: {
      initial: 'inCall',
      on: {
        // The same consultation again (new ICE servers, the cabin back): shown as it is now, on the same call.
        consultation: { actions: 'showConsultation' },
        finished: { target: 'queue', actions: assign({ consultation: undefined, call: undefined, endError: undefined, help: undefined, notice: ({ event }) => event.notice }) },
        help: { actions: assign({ help: ({ event, context }) => (event.consultationId === context.consultation?.consultationId ? { consultationId: event.consultationId, at: event.at } : context.help) }) },
        dismissHelp: { actions: assign({ help: undefined }) },
        end: { target: '.ending', actions: assign({ endError: undefined }) },
        endFailed: { target: '.inCall', actions: assign({ endError: ({ event }) => event.error }) },
      },
      states: {
        inCall: {},
        ending: {},
      },
    },
  },
});

export type ScreenSnapshot = SnapshotFrom<typeof screenMachine>;

/** The screens' view of the machine: flags derived from its state, so they can never disagree with it. */
export function toConsoleState(s: ScreenSnapshot): ConsoleState {
  const screen = SCREENS.find((name) => s.matches(name)) ?? 'login';
  const { claiming, ...rest } = s.context;
  return { ...rest, screen, claiming: s.matches({ queue: 'claiming' }) ? claiming : undefined, ending: s.matches({ consultation: 'ending' }) };
}
