import type { CallState, CallView, Language } from '../../shared/bridge.ts';
import type { ConsultationView, EndCause, LeaveReason } from '../../shared/hub-protocol.ts';

/** The states the hub link moves through: the contract's, less 'off' (no hub configured: app.ts answers that). */
export type LinkCallState = Exclude<CallState, 'off'>;

/** The cabin's call: one explicit state, and the facts its view shows. */
export interface Call {
  state: LinkCallState;
  /** The patient's language while the session wants a doctor; null in 'idle'. */
  language: Language | null;
  /** The hub socket is open. */
  connected: boolean;
  error: string | null;
  consultation: ConsultationView | null;
  /** The visit (session id) that wants the doctor; null in 'idle' (or from a caller that does not say). */
  visit: string | null;
  /** Why the cabin leaves a consultation it no longer wants; 'restart' until a visit ends (one still open is from before). */
  leaveReason: LeaveReason;
  /** In 'ended': why, when the hub said (an older hub does not). */
  endCause: EndCause | null;
}

export type CallEvent =
  /** The session wants a doctor (in this language, for this visit) or no longer does (null, and why). */
  | { type: 'want'; language: Language | null; visit?: string | null; reason?: LeaveReason }
  | { type: 'open' }
  /** The socket closed or the login failed; `error` is what to show (null: nothing wrong to show). */
  | { type: 'close'; error: string | null }
  /** Something went wrong that the next close shows (socket error, key refused at renewal). */
  | { type: 'error'; error: string }
  | { type: 'consultation'; consultation: ConsultationView }
  | { type: 'ended'; consultationId: string; reason: 'ended' | 'cancelled'; cause?: EndCause }
  /** The hub no longer knows the consultation (its store was reset). */
  | { type: 'not-found' };

/** What the link must do on the socket, and record, after a transition. */
export type CallEffect =
  | { type: 'request'; language: Language; visit?: string }
  | { type: 'join'; consultationId: string }
  | { type: 'cancel'; consultationId: string; reason: LeaveReason }
  | { type: 'audit'; detail: string };

/** How an end is recorded in the visit's audit log, by the hub's cause (an older hub says only ended or cancelled). */
const ENDED_BY: Record<EndCause, string> = {
  'doctor-ended': 'ended by the doctor',
  'doctor-cancelled': 'cancelled by the doctor',
  'cabin-left': 'left by the cabin',
  'cabin-offline': 'ended by the hub: the cabin was offline too long',
};
const endedAudit = (e: Extract<CallEvent, { type: 'ended' }>): string =>
  `consultation ${e.consultationId} ${e.cause ? ENDED_BY[e.cause] : e.reason === 'ended' ? ENDED_BY['doctor-ended'] : 'cancelled on the hub (it did not say why)'}`;

export const initialCall: Call = { state: 'idle', language: null, connected: false, error: null, consultation: null, visit: null, leaveReason: 'restart', endCause: null };

const open = (c: ConsultationView | null): c is ConsultationView => c !== null && (c.state === 'waiting' || c.state === 'active');

/** Where a wanted call without a doctor stands: in the queue when connected, else connecting or unavailable. */
const queued = (connected: boolean, error: string | null): LinkCallState => (connected ? 'waiting' : error ? 'unavailable' : 'connecting');

/** A request goes whenever a wanted call without a consultation is connected. */
const ask = (call: Call): CallEffect[] =>
  call.connected && call.language
    ? [{ type: 'request', language: call.language, ...(call.visit ? { visit: call.visit } : {}) }, { type: 'audit', detail: 'asked for a doctor' }]
    : [];

/** A consultation the hub holds open for another visit (lost leave, or from before a restart): not ours to show. */
const stale = (call: Call, m: ConsultationView): boolean => call.state === 'idle' || (m.visit !== undefined && call.visit !== null && m.visit !== call.visit);

/**
 * The call's transition function: pure, total over state × event; the link only does the I/O it returns.
 * 'ended' stays until the session no longer wants a doctor; 'active' outlives a lost socket (the hub sends it again).
 */
export function transition(call: Call, e: CallEvent): { next: Call; effects: CallEffect[] } {
  const c = call.consultation;
  switch (e.type) {
    case 'want': {
      if (e.language === call.language) return { next: call, effects: [] };
      if (!e.language) {
        const reason = e.reason ?? call.leaveReason;
        const effects: CallEffect[] = open(c)
          ? [{ type: 'cancel', consultationId: c.consultationId, reason }, { type: 'audit', detail: `left consultation ${c.consultationId} (${c.state}, ${reason})` }]
          : [];
        return { next: { ...call, state: 'idle', language: null, consultation: null, visit: null, leaveReason: reason, endCause: null }, effects };
      }
      if (call.state !== 'idle') return { next: { ...call, language: e.language }, effects: [] };
      const next: Call = { ...call, language: e.language, visit: e.visit ?? null, error: null, state: call.connected ? 'waiting' : 'connecting' };
      return { next, effects: ask(next) };
    }
    case 'open': {
      const opened: Call = { ...call, connected: true, error: null };
      // Back into the consultation we were in (the hub answers `ended` if it closed meanwhile), else ask again.
      const effects: CallEffect[] = open(c) ? [{ type: 'join', consultationId: c.consultationId }] : ask(opened);
      if (call.state === 'idle' || call.state === 'ended') return { next: opened, effects };
      return { next: { ...opened, state: c?.state === 'active' ? 'active' : 'waiting' }, effects };
    }
    case 'close': {
      const closed: Call = { ...call, connected: false, error: e.error };
      if (call.state === 'idle' || call.state === 'ended' || call.state === 'active') return { next: closed, effects: [] };
      return { next: { ...closed, state: queued(false, e.error) }, effects: [] };
    }
    case 'error':
      // Not connected, an error is what the next close will show: show it now.
      return { next: { ...call, error: e.error, state: call.state === 'connecting' ? 'unavailable' : call.state }, effects: [] };
    case 'consultation': {
      const m = e.consultation;
      // The session ended while the hub was answering, or the hub holds one of an earlier visit: leave it, show nothing.
      if (stale(call, m)) {
        const leave: CallEffect[] = [{ type: 'cancel', consultationId: m.consultationId, reason: call.leaveReason }];
        if (call.state !== 'idle') leave.push({ type: 'audit', detail: `left consultation ${m.consultationId} of an earlier visit (${call.leaveReason})` });
        return { next: call, effects: open(m) ? leave : [] };
      }
      const effects: CallEffect[] =
        m.state === 'active' && c?.state !== 'active' ? [{ type: 'audit', detail: `doctor joined consultation ${m.consultationId}` }] : [];
      const next: Call = { ...call, consultation: m };
      if (call.state === 'ended' || m.state === 'ended' || m.state === 'cancelled') return { next: { ...next, state: 'ended' }, effects };
      return { next: { ...next, state: m.state === 'active' ? 'active' : queued(call.connected, call.error) }, effects };
    }
    case 'ended': {
      if (c?.consultationId !== e.consultationId) return { next: call, effects: [] };
      if (c.state === 'waiting') {
        // No doctor had taken it (the hub dropped the request while we were away): ask again.
        const audit: CallEffect = { type: 'audit', detail: `request ${e.consultationId} dropped by the hub; asking again` };
        const { next, effects } = forget(call);
        return { next, effects: [audit, ...effects] };
      }
      return { next: { ...call, state: 'ended', endCause: e.cause ?? null }, effects: [{ type: 'audit', detail: endedAudit(e) }] };
    }
    case 'not-found':
      return c ? forget(call) : { next: call, effects: [] };
  }
}

/** The consultation is gone: back to the queue with a new request (an 'ended' call stays ended). */
function forget(call: Call): { next: Call; effects: CallEffect[] } {
  const next: Call = { ...call, consultation: null, state: call.state === 'ended' ? 'ended' : queued(call.connected, call.error) };
  return { next, effects: ask(next) };
}

/** What the renderer is shown of the call. */
export function callView(call: Call): CallView {
  const { state, consultation: c } = call;
  const active = state === 'active';
  return {
    state,
    consultationId: c?.consultationId ?? null,
    doctorName: c?.doctorName ?? null,
    peerPresent: active && call.connected && (c?.peerPresent ?? false),
    polite: false,
    iceServers: active ? (c?.iceServers ?? []) : [],
    ...(active && c?.iceTransportPolicy ? { iceTransportPolicy: c.iceTransportPolicy } : {}),
    error: state === 'unavailable' ? call.error : null,
    ...(state === 'ended' && call.endCause ? { endCause: call.endCause } : {}),
  };
}
