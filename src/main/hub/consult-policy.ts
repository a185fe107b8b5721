import type { CallView, Language, SessionView } from '../../shared/bridge.ts';
import type { LeaveReason, SignalData } from '../../shared/hub-protocol.ts';
import type { Logger } from '../../server/log.ts';
import { BridgeFailure } from '../bridge/dispatch.ts';

/** What the policy needs of the hub link (HubLink). */
export interface ConsultLink {
  want(language: Language | null, visit?: string | null, reason?: LeaveReason): void;
  help(): boolean;
  view(): CallView;
  signal(data: SignalData): void;
  incident(detail: string): void;
}

/** The call as the kiosk sees it on a cabin without a hub. */
export const OFF_CALL: CallView = { state: 'off', consultationId: null, doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null };

/**
 * A doctor is asked for while the patient is examined, in the patient's language; when the visit ends, the cabin
 * leaves the consultation (the hub keeps it open for the doctor's notes and report).
 */
export function doctorWanted(session: Pick<SessionView, 'phase' | 'language'>): Language | null {
  return session.phase === 'exam' ? session.language : null;
}

export interface ConsultPolicyOptions {
  /** The hub link; absent when the cabin has no hub (the exam runs alone). */
  link?: ConsultLink;
  /** Records a call incident in the audit log when there is no hub to send it to. */
  audit(detail: string): void;
  /** Why the last visit ended (told to the doctor when the cabin leaves); 'restart' when none ended in this process. */
  endReason?: () => LeaveReason;
  log: Logger;
}

/**
 * The cabin's side of a consultation: it follows the session's phases and tells the hub link what to do, and answers
 * the kiosk's call requests (with the link, or as "off" when there is no hub).
 */
export class ConsultPolicy {
  constructor(private readonly o: ConsultPolicyOptions) {}

  /** Every session view (start, phase changes, the end): asks for a doctor, or leaves. */
  onSession(session: Pick<SessionView, 'phase' | 'language'> & Partial<Pick<SessionView, 'sessionId'>>): void {
    const link = this.o.link;
    if (!link) return;
    try {
      const language = doctorWanted(session);
      // The visit names the request (the hub never hands it another visit's consultation); the reason, the leave.
      link.want(language, language ? (session.sessionId ?? null) : null, language ? undefined : (this.o.endReason?.() ?? 'restart'));
    } catch (err) {
      // The call is background work: the visit goes on without it.
      this.o.log.error({ err }, 'updating the consultation failed');
    }
  }

  view(): CallView {
    return this.o.link?.view() ?? OFF_CALL;
  }

  signal(data: SignalData): void {
    const link = this.o.link;
    if (!link) throw new BridgeFailure('no-hub', 'This cabin has no hub configured.');
    try {
      link.signal(data);
    } catch (err) {
      throw new BridgeFailure('call-unavailable', (err as Error).message);
    }
  }

  /** The patient called the assistant: the doctor is told during a call (true when it went). */
  help(): boolean {
    try {
      return this.o.link?.help() ?? false;
    } catch (err) {
      this.o.log.error({ err }, 'telling the doctor about the call for the assistant failed');
      return false;
    }
  }

  incident(detail: string): void {
    if (this.o.link) this.o.link.incident(detail);
    else this.o.audit(`call: ${detail}`);
  }
}
