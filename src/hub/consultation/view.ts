import type { ConsultationView, IceServer, Role } from '../../shared/hub-protocol.ts';
import type { Consultation } from '../store.ts';

/** What the relay knows of the moment: whether the other side is connected, and this side's STUN/TURN servers. */
export interface Presence {
  peerPresent: boolean;
  iceServers: IceServer[];
  relayOnly: boolean;
}

/** One side's view of a consultation, as the `consultation` message carries it. */
export function viewOf(c: Consultation, role: Role, p: Presence): ConsultationView {
  return {
    consultationId: c.id,
    state: c.state,
    cabinId: c.cabinId,
    cabinName: c.cabinName,
    doctorId: c.doctorId,
    doctorName: c.doctorName,
    language: c.language,
    createdAt: c.createdAt,
    claimedAt: c.claimedAt,
    peerPresent: p.peerPresent,
    polite: role === 'doctor',
    iceServers: p.iceServers,
    ...(p.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}),
    ...(role === 'cabin' && c.visit !== null ? { visit: c.visit } : {}),
    ...(role === 'doctor' && c.cabinLeftAt !== null ? { cabinLeft: { at: c.cabinLeftAt, ...(c.cabinLeftReason ? { reason: c.cabinLeftReason } : {}) } } : {}),
  };
}
