import type { EndCause, FromHub, LeaveReason, Role, ToHub } from '../../shared/hub-protocol.ts';
import { MAX_REPORT_READINGS, type Consultation, type Reading } from '../store.ts';

/**
 * The consultation lifecycle as one pure function: what a message or a relay event does to a consultation, and what
 * is said to whom. No I/O and no clock: the relay reads the consultation, writes `next` only if the stored one is still
 * the one it read (compare-and-set, so two doctors claiming at once cannot both win, on one node or several), then
 * sends the replies. States are exactly ConsultationState: waiting → active → ended | cancelled; `cabinLeftAt` marks an
 * active consultation whose patient went home while the doctor finishes the report.
 */

/** Who the input comes from: a cabin or a doctor account (its name as its token says it). */
export interface Actor {
  role: Role;
  id: string;
  name: string;
}

/** A client's message (ping and auth are not about a consultation), or an event of the relay. */
export type Input =
  | Exclude<ToHub, { type: 'ping' | 'queue-resync' | 'auth' | 'probe' | 'patient' | 'device' | 'pleth' | 'pleth-unmark' }>
  /** This side's socket opened; `wasAway`: it had dropped out of this active consultation. */
  | { type: 'connected'; wasAway: boolean }
  /** This side's socket closed (not replaced by a newer one). */
  | { type: 'disconnected'; code: number }
  /**
   * The cabin stayed away past the grace period (the relay's: longer for an active consultation than a waiting one):
   * since it disconnected, or (`atStart`) since the hub started with this consultation open and the cabin never came
   * back. A waiting request is cancelled (no doctor claims an empty cabin); an active consultation is marked left
   * ('gone'), so the doctor is told the cabin left, not "reconnecting", and the cabin, if it comes back, that its call
   * ended because it was offline too long ('cabin-offline').
   */
  | { type: 'abandoned'; atStart?: boolean }
  /** The store's answer to a `report`'s readings: null when the consultation was no longer active. */
  | { type: 'stored'; ref?: string; stored: { added: number; refused: number } | null };

export interface Context {
  /** ms, for the timestamps `next` carries. */
  now: number;
  /** The id of a new consultation (random in the relay). */
  newId: () => string;
  /** Presence, as the relay sees it now: whether this cabin has a connection (a claim needs its cabin there). */
  cabinOnline: (cabinId: string) => boolean;
}

/** The consultation as it is to be stored; `notes` is the doctor's report, written with the end. */
export type Next = Consultation & { notes?: string };

/** Rows added along with `next`, in the same transaction. */
export type Write =
  | { kind: 'incident'; side: Role | 'hub'; detail: string }
  /**
   * Report readings, each id once. With `answer`, the store's count goes back to `transition` as `stored` (a `report`);
   * without, readings that do not fit are said in an incident (an `end`: the notes are kept whatever).
   */
  | { kind: 'readings'; readings: Reading[]; answer?: { ref?: string } };

/** `cabin`/`doctor`: that side's connection; `sender`: whoever sent the input; `doctors`: every connected doctor. */
export type Reply =
  | { to: 'sender' | Role; message: FromHub }
  /** That side's view of the consultation as stored after the change (the relay adds presence and TURN credentials). */
  | { to: Role; view: 'consultation'; ref?: string }
  /** The waiting queue as stored after the change. */
  | { to: 'doctors'; view: 'queue' };

/** What the relay keeps in memory, done once the change is written. */
export type Effect =
  /** The side dropped out of an active consultation / came back: its return is recorded. */
  | { kind: 'away' | 'back'; role: Role }
  /** Over: presence marks and TURN credentials of the consultation are forgotten. */
  | { kind: 'closed' }
  /** The cabin dropped out of its open consultation: it is `abandoned` unless the cabin comes back within the grace period. */
  | { kind: 'abandon-later' }
  /** Decide the same input again on what is stored now (a request that first had to leave the previous visit's). */
  | { kind: 'again' }
  | { kind: 'log'; message: string };

export interface Outcome {
  /** The consultation to store, or null when nothing durable changes (refused, answered, or a read). */
  next: Next | null;
  writes: Write[];
  replies: Reply[];
  effects: Effect[];
}

const other = (role: Role): Role => (role === 'cabin' ? 'doctor' : 'cabin');
const open = (c: Consultation) => c.state === 'waiting' || c.state === 'active';
const closedReason = (c: Consultation): 'ended' | 'cancelled' => (c.state === 'ended' ? 'ended' : 'cancelled');

/** Why `c` is over for `role`, as far as the stored row tells: a cabin hears first that it left, or was taken as gone. */
function causeOf(c: Consultation, role: Role): EndCause | undefined {
  if (role === 'cabin' && c.cabinLeftAt !== null) return c.cabinLeftReason === 'gone' ? 'cabin-offline' : 'cabin-left';
  if (c.state === 'ended') return 'doctor-ended';
  // A claimed consultation is cancelled only by its doctor (a cabin leaving marks it left); an unclaimed one may have
  // been left by its cabin or dropped by the hub: the row does not say which.
  return c.state === 'cancelled' && c.claimedAt !== null ? 'doctor-cancelled' : undefined;
}

/** `ended` as `role` is told it, with why when the row says. */
function endedFor(c: Consultation, role: Role, ref: string | undefined, reason = closedReason(c)): FromHub {
  const cause = causeOf(c, role);
  return { type: 'ended', ref, consultationId: c.id, reason, ...(cause && { cause }) };
}

function outcome(o: Partial<Outcome>): Outcome {
  return { next: o.next ?? null, writes: o.writes ?? [], replies: o.replies ?? [], effects: o.effects ?? [] };
}
const NOTHING = outcome({});
const say = (to: 'sender' | Role, message: FromHub): Reply => ({ to, message });
const fail = (ref: string | undefined, code: string, message: string) => outcome({ replies: [say('sender', { type: 'error', ref, code, message })] });

/** Each side's view of the consultation; the cabin hears nothing more of one it left. */
function views(c: Consultation, refTo?: Role, ref?: string): Reply[] {
  const out: Reply[] = [];
  if (c.cabinLeftAt === null) out.push({ to: 'cabin', view: 'consultation', ...(refTo === 'cabin' && { ref }) });
  if (c.doctorId !== null) out.push({ to: 'doctor', view: 'consultation', ...(refTo === 'doctor' && { ref }) });
  return out;
}

/** Ended or cancelled: both sides are told (the cabin unless it left), the one that asked with its ref. */
function close(next: Next, by: Role, ref: string | undefined, writes: Write[], log: string): Outcome {
  const replies: Reply[] = [];
  if (next.cabinLeftAt === null) replies.push(say('cabin', endedFor(next, 'cabin', by === 'cabin' ? ref : undefined)));
  if (next.doctorId !== null) replies.push(say('doctor', endedFor(next, 'doctor', by === 'doctor' ? ref : undefined)));
  return outcome({ next, writes, replies, effects: [{ kind: 'closed' }, { kind: 'log', message: log }] });
}

/**
 * `c`: for `request`, the cabin's open consultation (or null); otherwise the consultation the input names (null if
 * there is none). Relay events (`connected`, `disconnected`, `abandoned`, `stored`) come with a consultation of the
 * actor's side.
 */
export function transition(c: Consultation | null, actor: Actor, input: Input, ctx: Context): Outcome {
  const ref = 'ref' in input ? input.ref : undefined;
  const only = (role: Role) => (actor.role === role ? null : fail(ref, 'forbidden', `Only a ${role} may send "${input.type}".`));

  switch (input.type) {
    case 'request': {
      const refused = only('cabin');
      if (refused) return refused;
      if (c && c.cabinId === actor.id && open(c) && c.cabinLeftAt === null) {
        // The same visit asking again (its answer was lost), or an older cabin that does not say: the open one.
        if (input.visit === undefined || c.visit === input.visit) return outcome({ replies: [{ to: 'cabin', view: 'consultation', ref }] });
        // Still open from an earlier visit (its leave was lost, or cabin main restarted): left first, then a new one.
        const left = leave(c, actor, 'new-visit', undefined, ctx);
        return { ...left, replies: left.replies.filter((r) => r.to !== 'sender'), effects: [...left.effects, { kind: 'again' }] };
      }
      const next: Next = {
        id: ctx.newId(),
        cabinId: actor.id,
        cabinName: actor.name,
        doctorId: null,
        doctorName: null,
        language: input.language,
        state: 'waiting',
        createdAt: ctx.now,
        claimedAt: null,
        endedAt: null,
        cabinLeftAt: null,
        cabinLeftReason: null,
        visit: input.visit ?? null,
      };
      return outcome({
        next,
        replies: [{ to: 'cabin', view: 'consultation', ref }, { to: 'doctors', view: 'queue' }],
        effects: [{ kind: 'log', message: `consultation ${next.id} requested by cabin ${actor.id}` }],
      });
    }
    case 'claim': {
      const refused = only('doctor');
      if (refused) return refused;
      if (!c) return fail(ref, 'not-found', 'There is no such consultation.');
      if (c.state === 'waiting') {
        // Its cabin dropped (or the hub restarted without it): no doctor takes an empty cabin; it may come back in time.
        if (!ctx.cabinOnline(c.cabinId)) return fail(ref, 'cabin-offline', "This patient's cabin is not connected: it may come back; try again when it does.");
        const next: Next = { ...c, state: 'active', doctorId: actor.id, doctorName: actor.name, claimedAt: ctx.now };
        return outcome({
          next,
          replies: [...views(next, 'doctor', ref), { to: 'doctors', view: 'queue' }],
          effects: [{ kind: 'log', message: `consultation ${c.id} claimed by doctor ${actor.id}` }],
        });
      }
      if (c.state === 'active' && c.doctorId === actor.id) return outcome({ replies: [{ to: 'doctor', view: 'consultation', ref }] });
      if (c.state === 'active' || c.state === 'ended') return fail(ref, 'already-claimed', 'Another doctor took this consultation.');
      return fail(ref, 'not-waiting', 'The patient left before a doctor came.');
    }
    case 'report':
    case 'end': {
      const refused = only('doctor');
      if (refused) return refused;
      break;
    }
    case 'connected':
    case 'disconnected':
    case 'abandoned': {
      // The relay's own events: only for a consultation still open for this side.
      const mine = c && (actor.role === 'cabin' ? c.cabinId === actor.id && c.cabinLeftAt === null : c.doctorId === actor.id);
      if (!c || !mine || !open(c)) return NOTHING;
      return sideEvent(c, actor, input, ctx);
    }
    case 'stored': {
      if (!c || actor.role !== 'doctor' || c.doctorId !== actor.id) return NOTHING;
      const { stored } = input;
      if (stored === null) return fail(ref, 'not-active', 'This consultation is over.');
      // Not `reported`: the console must not tell the cabin these readings are safe (its outbox keeps them).
      if (stored.refused > 0) return fail(ref, 'report-full', `The report already holds ${MAX_REPORT_READINGS} readings: ${stored.refused} of this part were not stored.`);
      return ref === undefined ? NOTHING : outcome({ replies: [say('sender', { type: 'reported', ref, consultationId: c.id, count: stored.added })] });
    }
  }

  // The other messages name a consultation the sender must be a side of.
  if (!c) return fail(ref, 'not-found', 'There is no such consultation.');
  if ((actor.role === 'cabin' ? c.cabinId : c.doctorId) !== actor.id) return fail(ref, 'forbidden', 'This consultation is not yours.');
  const left = c.cabinLeftAt !== null;
  // A cabin the hub took as gone (away past the grace) that comes back: its call is over, said as an end it knows.
  if (actor.role === 'cabin' && c.cabinLeftReason === 'gone' && input.type === 'join') return outcome({ replies: [say('sender', endedFor(c, 'cabin', ref, 'cancelled'))] });
  if (actor.role === 'cabin' && left && input.type !== 'cancel') return fail(ref, 'not-active', 'The cabin left this consultation.');

  switch (input.type) {
    case 'join':
      if (!open(c)) return outcome({ replies: [say('sender', endedFor(c, actor.role, ref))] });
      return outcome({ replies: [{ to: actor.role, view: 'consultation', ref }] });
    case 'signal':
      if (c.state !== 'active') return fail(ref, 'not-active', 'This consultation is not in progress.');
      // Dropped when the peer is away or left: both sides say hello again when they come back.
      if (actor.role === 'doctor' && left) return NOTHING;
      return outcome({ replies: [say(other(actor.role), { type: 'signal', consultationId: c.id, data: input.data })] });
    case 'incident':
      if (!open(c)) return fail(ref, 'not-active', 'This consultation is over.');
      return outcome({ writes: [{ kind: 'incident', side: actor.role, detail: input.detail }] });
    case 'cancel': {
      if (!open(c) || (actor.role === 'cabin' && left)) return outcome({ replies: [say('sender', endedFor(c, actor.role, ref))] });
      if (c.state === 'waiting' || actor.role === 'cabin') return leave(c, actor, actor.role === 'cabin' ? input.reason : undefined, ref, ctx);
      const writes: Write[] = [{ kind: 'incident', side: 'hub', detail: `cancelled by the ${actor.role}` }];
      return close({ ...c, state: 'cancelled', endedAt: ctx.now }, actor.role, ref, writes, `consultation ${c.id} cancelled by ${actor.role} ${actor.id}`);
    }
    case 'help': {
      const refused = only('cabin');
      if (refused) return refused;
      if (c.state !== 'active') return fail(ref, 'not-active', 'This consultation is not in progress.');
      return outcome({
        writes: [{ kind: 'incident', side: 'cabin', detail: 'the patient called the assistant' }],
        replies: [say('doctor', { type: 'help', consultationId: c.id, at: ctx.now })],
      });
    }
    case 'report':
      if (c.state !== 'active') return fail(ref, 'not-active', 'This consultation is over.');
      return outcome({ writes: [{ kind: 'readings', readings: input.readings, answer: { ref } }] });
    case 'end':
      if (c.state !== 'active') return outcome({ replies: [say('sender', endedFor(c, 'doctor', ref))] });
      return close({ ...c, state: 'ended', endedAt: ctx.now, notes: input.notes }, 'doctor', ref, [{ kind: 'readings', readings: input.readings }], `consultation ${c.id} ended by doctor ${actor.id}`);
  }
}

/**
 * A side leaves an open consultation: a waiting one is cancelled; an active one the cabin leaves stays open for the
 * doctor to finish the notes and save the report, and the doctor is told at once that the patient left, and why.
 */
function leave(c: Consultation, actor: Actor, reason: LeaveReason | undefined, ref: string | undefined, ctx: Context): Outcome {
  if (c.state === 'waiting') {
    return outcome({
      next: { ...c, state: 'cancelled', endedAt: ctx.now },
      replies: [say('sender', { type: 'ended', ref, consultationId: c.id, reason: 'cancelled', cause: 'cabin-left' }), { to: 'doctors', view: 'queue' }],
      effects: [{ kind: 'log', message: `consultation ${c.id} cancelled by ${actor.role} ${actor.id}` }],
    });
  }
  return outcome({
    next: { ...c, cabinLeftAt: ctx.now, cabinLeftReason: reason ?? null },
    writes: [{ kind: 'incident', side: 'hub', detail: `the patient left the cabin${reason ? ` (${reason})` : ''}` }],
    replies: [say('sender', { type: 'ended', ref, consultationId: c.id, reason: 'cancelled', cause: 'cabin-left' }), { to: 'doctor', view: 'consultation' }],
    effects: [{ kind: 'log', message: `consultation ${c.id} left by cabin ${actor.id}${reason ? ` (${reason})` : ''}` }],
  });
}

/** A side's socket came, went, or stayed away too long, for one of its open consultations. */
function sideEvent(c: Consultation, actor: Actor, input: Extract<Input, { type: 'connected' | 'disconnected' | 'abandoned' }>, ctx: Context): Outcome {
  const { role } = actor;
  switch (input.type) {
    case 'connected':
      if (c.state === 'active' && input.wasAway) {
        return outcome({ writes: [{ kind: 'incident', side: 'hub', detail: `${role} reconnected` }], replies: views(c), effects: [{ kind: 'back', role }] });
      }
      // A waiting request's cabin is back: the doctors' queue says it is online again (it can be claimed).
      return outcome({ replies: c.state === 'waiting' ? [...views(c), { to: 'doctors', view: 'queue' }] : views(c) });
    case 'disconnected':
      // The queue shows the cabin offline (not claimable) while it has the grace period to come back.
      if (c.state === 'waiting') return outcome({ replies: [{ to: 'doctors', view: 'queue' }], effects: [{ kind: 'abandon-later' }] });
      return outcome({
        writes: [{ kind: 'incident', side: 'hub', detail: `${role} disconnected (WebSocket code ${input.code})` }],
        replies: views(c),
        effects: [{ kind: 'away', role }, ...(role === 'cabin' ? [{ kind: 'abandon-later' } as const] : [])],
      });
    case 'abandoned': {
      if (role !== 'cabin') return NOTHING;
      const why = input.atStart ? 'the cabin did not come back after the hub restarted' : 'the cabin left the queue';
      if (c.state === 'waiting') {
        return outcome({
          next: { ...c, state: 'cancelled', endedAt: ctx.now },
          writes: [{ kind: 'incident', side: 'hub', detail: `cancelled: ${why}` }],
          replies: [{ to: 'doctors', view: 'queue' }],
          effects: [{ kind: 'log', message: `consultation ${c.id} cancelled: ${why} (cabin ${actor.id})` }],
        });
      }
      // Active: the call cannot go on without the cabin; the doctor keeps the consultation for the notes and report.
      return outcome({
        next: { ...c, cabinLeftAt: ctx.now, cabinLeftReason: 'gone' },
        writes: [{ kind: 'incident', side: 'hub', detail: `the cabin left: its connection did not come back within the grace period${input.atStart ? ' after the hub restarted' : ''}` }],
        replies: [{ to: 'doctor', view: 'consultation' }],
        effects: [{ kind: 'log', message: `consultation ${c.id}: cabin ${actor.id} gone (away past the grace period)` }],
      });
    }
  }
}
