import { describe, expect, it } from 'vitest';
import type { Description, NegotiationPeer } from '../../src/browser/negotiation.ts';
import { Negotiator } from '../../src/doctor/call/negotiation.ts';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/** A signaling-state machine that behaves like RTCPeerConnection's (implicit rollback on a remote offer). */
class FakePc implements NegotiationPeer {
  signalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: Description | null = null;
  readonly candidates: RTCIceCandidateInit[] = [];
  rollbacks = 0;
  private n = 0;
  constructor(private readonly name: string) {}

  async setLocalDescription(d?: { type: 'rollback' }): Promise<void> {
    await tick();
    if (d?.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: `offer-${this.name}-${++this.n}` };
      this.signalingState = 'have-local-offer';
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: `answer-${this.name}-${++this.n}` };
      this.signalingState = 'stable';
    } else throw new Error(`InvalidStateError: setLocalDescription in ${this.signalingState}`);
  }

  async setRemoteDescription(d: Description): Promise<void> {
    await tick();
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        this.rollbacks++;
        this.signalingState = 'stable';
      }
      if (this.signalingState !== 'stable') throw new Error(`InvalidStateError: offer in ${this.signalingState}`);
      this.remoteDescription = d;
      this.signalingState = 'have-remote-offer';
    } else if (d.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw new Error(`InvalidStateError: answer in ${this.signalingState}`);
      this.remoteDescription = d;
      this.signalingState = 'stable';
    }
  }

  async addIceCandidate(c: RTCIceCandidateInit | null): Promise<void> {
    await tick();
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    if (c) this.candidates.push(c);
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await tick();
}

function pair() {
  const doctorPc = new FakePc('doctor');
  const cabinPc = new FakePc('cabin');
  const logs: string[] = [];
  const peers: { doctor?: Negotiator; cabin?: Negotiator } = {};
  const doctor = new Negotiator(doctorPc, { polite: true, sendDescription: (d) => void peers.cabin!.receive({ description: d }), log: (m) => logs.push(`doctor: ${m}`) });
  const cabin = new Negotiator(cabinPc, { polite: false, sendDescription: (d) => void peers.doctor!.receive({ description: d }), log: (m) => logs.push(`cabin: ${m}`) });
  Object.assign(peers, { doctor, cabin });
  return { doctor, cabin, doctorPc, cabinPc, logs };
}

describe('perfect negotiation (the doctor is polite)', () => {
  it('one side offers: the other answers, both end stable', async () => {
    const { doctor, doctorPc, cabinPc, logs } = pair();
    await doctor.negotiate();
    await settle();
    expect(doctorPc.signalingState).toBe('stable');
    expect(cabinPc.signalingState).toBe('stable');
    expect(cabinPc.remoteDescription?.sdp).toBe('offer-doctor-1');
    expect(doctorPc.remoteDescription?.sdp).toBe('answer-cabin-1');
    expect(logs).toEqual([]);
  });

  it('glare: both offer at once; the doctor rolls back and answers, the cabin ignores the doctor offer', async () => {
    const { doctor, cabin, doctorPc, cabinPc, logs } = pair();
    const a = doctor.negotiate();
    const b = cabin.negotiate();
    await Promise.all([a, b]);
    await settle();
    expect(cabinPc.rollbacks).toBe(0);
    expect(doctorPc.rollbacks).toBe(1);
    expect(doctorPc.remoteDescription?.sdp).toMatch(/^offer-cabin/);
    expect(cabinPc.remoteDescription?.sdp).toMatch(/^answer-doctor/);
    expect(doctorPc.signalingState).toBe('stable');
    expect(cabinPc.signalingState).toBe('stable');
    expect(logs).toEqual([]);
  });

  it('an impolite peer ignores a colliding offer, and errors of its candidates are not reported', async () => {
    const pc = new FakePc('cabin');
    const logs: string[] = [];
    const sent: string[] = [];
    const n = new Negotiator(pc, { polite: false, sendDescription: (d) => sent.push(d.sdp), log: (m) => logs.push(m) });
    await n.negotiate();
    await n.receive({ description: { type: 'offer', sdp: 'offer-doctor-1' } });
    await n.receive({ candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } });
    expect(pc.signalingState).toBe('have-local-offer');
    expect(pc.remoteDescription).toBeNull();
    expect(sent).toEqual(['offer-cabin-1']);
    expect(logs).toEqual([]);
  });

  it('a candidate that comes before any remote description waits for it', async () => {
    const pc = new FakePc('doctor');
    const logs: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: () => undefined, log: (m) => logs.push(m) });
    await n.receive({ candidate: { candidate: 'candidate:early', sdpMid: '0' } });
    expect(pc.candidates).toEqual([]);
    await n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    expect(pc.candidates.map((c) => c.candidate)).toEqual(['candidate:early']);
    expect(logs).toEqual([]);
  });

  it('a polite peer reports a candidate that cannot be applied', async () => {
    const pc = new FakePc('doctor');
    pc.addIceCandidate = async () => {
      throw new Error('OperationError: bad candidate');
    };
    const logs: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: () => undefined, log: (m) => logs.push(m) });
    await n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    await n.receive({ candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/could not be applied.*bad candidate/);
  });

  it('messages are applied in order: a candidate right behind its offer is not lost', async () => {
    const pc = new FakePc('doctor');
    const sent: string[] = [];
    const logs: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: (d) => sent.push(d.sdp), log: (m) => logs.push(m) });
    void n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    await n.receive({ candidate: { candidate: 'candidate:1', sdpMid: '0' } });
    expect(pc.candidates).toHaveLength(1);
    expect(sent).toEqual(['answer-doctor-1']);
    expect(logs).toEqual([]);
  });

  it('drops a stale answer that arrives when there is no offer of ours', async () => {
    const pc = new FakePc('doctor');
    const logs: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: () => undefined, log: (m) => logs.push(m) });
    await n.receive({ description: { type: 'answer', sdp: 'answer-cabin-9' } });
    expect(pc.remoteDescription).toBeNull();
    expect(logs).toEqual([]);
  });

  it('onRemoteOffer runs once a remote offer is applied and before the answer is made (the doctor opens its data channels there)', async () => {
    const pc = new FakePc('doctor');
    const steps: string[] = [];
    const n = new Negotiator(pc, {
      polite: true,
      sendDescription: (d) => steps.push(`sent ${d.sdp}`),
      onRemoteOffer: () => steps.push(`remote offer applied, state ${pc.signalingState}`),
    });
    await n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    expect(steps).toEqual(['remote offer applied, state have-remote-offer', 'sent answer-doctor-1']);
    // Not on an answer to an offer of ours (a later renegotiation).
    await n.negotiate();
    await n.receive({ description: { type: 'answer', sdp: 'answer-cabin-2' } });
    expect(steps).toEqual(['remote offer applied, state have-remote-offer', 'sent answer-doctor-1', 'sent offer-doctor-2']);
  });

  it('a resent copy of the offer already answered is not applied again: it would roll back our own offer', async () => {
    const pc = new FakePc('doctor');
    const sent: string[] = [];
    const logs: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: (d) => sent.push(d.sdp), log: (m) => logs.push(m) });
    await n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    await n.negotiate();
    await n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    expect(pc.rollbacks).toBe(0);
    expect(pc.signalingState).toBe('have-local-offer');
    expect(sent).toEqual(['answer-doctor-1', 'offer-doctor-2']);
    expect(logs).toEqual([]);
  });

  it('drops an answer made for another offer of ours (other m-sections): Chromium would refuse it', async () => {
    const pc = new FakePc('doctor');
    const logs: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: () => undefined, log: (m) => logs.push(m) });
    await n.negotiate();
    pc.localDescription = { type: 'offer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n' };
    await n.receive({ description: { type: 'answer', sdp: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n' } });
    expect(pc.remoteDescription).toBeNull();
    expect(pc.signalingState).toBe('have-local-offer');
    await n.receive({ description: { type: 'answer', sdp: pc.localDescription.sdp.replace('offer', 'answer') } });
    expect(pc.signalingState).toBe('stable');
    expect(logs).toEqual([]);
  });

  it('after close, nothing is applied or sent', async () => {
    const pc = new FakePc('doctor');
    const sent: string[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: (d) => sent.push(d.sdp) });
    n.close();
    await n.receive({ description: { type: 'offer', sdp: 'offer-cabin-1' } });
    await n.negotiate();
    expect(pc.remoteDescription).toBeNull();
    expect(sent).toEqual([]);
  });
});
