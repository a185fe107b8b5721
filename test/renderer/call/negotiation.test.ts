import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isOfferCollision, shouldIgnoreOffer, type NegotiationPeer } from '../../../src/browser/negotiation.ts';
import { IceRestartPolicy, Negotiator, RemotePeer } from '../../../src/renderer/call/negotiation.ts';
import type { SignalData } from '../../../src/shared/hub-protocol.ts';
import { opusParams } from '../../../src/shared/sdp.ts';
import { CHROMIUM_OFFER } from './sdp-sample.ts';

/** A peer connection that follows the signaling state machine well enough for negotiation decisions. */
class FakePeer implements NegotiationPeer {
  signalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  readonly log: string[] = [];
  readonly candidates: RTCIceCandidateInit[] = [];
  nextOffer = CHROMIUM_OFFER;

  async setLocalDescription(d?: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (d) throw new Error('the negotiator must use the implicit form');
    if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: CHROMIUM_OFFER.replace('a=setup:actpass', 'a=setup:active') };
      this.signalingState = 'stable';
      this.log.push('SLD(answer)');
    } else {
      this.localDescription = { type: 'offer', sdp: this.nextOffer };
      this.signalingState = 'have-local-offer';
      this.log.push('SLD(offer)');
    }
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    this.log.push(`SRD(${d.type})`);
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') this.log.push('implicit rollback');
      this.signalingState = 'have-remote-offer';
    } else if (d.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw new Error('InvalidStateError');
      this.signalingState = 'stable';
    }
    this.remoteDescription = { type: d.type!, sdp: d.sdp ?? '' };
  }
  async addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.candidates.push(c);
  }
}

const DOCTOR = 'doctorpc1';
const STETH_MID = '2';

describe('perfect negotiation decisions', () => {
  it('an offer collides while making an offer or when not stable, unless an answer is being set', () => {
    const base = { type: 'offer', makingOffer: false, signalingState: 'stable', settingRemoteAnswerPending: false };
    expect(isOfferCollision(base)).toBe(false);
    expect(isOfferCollision({ ...base, makingOffer: true })).toBe(true);
    expect(isOfferCollision({ ...base, signalingState: 'have-local-offer' })).toBe(true);
    expect(isOfferCollision({ ...base, signalingState: 'have-local-offer', settingRemoteAnswerPending: true })).toBe(false);
    expect(isOfferCollision({ ...base, type: 'answer', makingOffer: true })).toBe(false);
  });

  it('only the impolite peer ignores a colliding offer', () => {
    expect(shouldIgnoreOffer(true, false)).toBe(true);
    expect(shouldIgnoreOffer(true, true)).toBe(false);
    expect(shouldIgnoreOffer(false, false)).toBe(false);
  });

  it('binds to the first doctor pc it hears of, whatever it sent (its hello may predate this page)', () => {
    const r = new RemotePeer();
    expect(r.onSignal({ pc: 'd1' }, false)).toBe('bind');
    expect(r.id).toBe('d1');
    expect(r.onSignal({ pc: 'd1', hello: true }, false)).toBe('process');
    expect(r.onSignal({ pc: 'd1' }, true)).toBe('process');
  });

  it('a new doctor pc after a negotiation means a rebuild; the old pc is retired for good', () => {
    const r = new RemotePeer();
    r.onSignal({ pc: 'd1', hello: true }, false);
    expect(r.onSignal({ pc: 'd2', hello: true }, true)).toBe('rebuild');
    expect(r.onSignal({ pc: 'd1' }, false)).toBe('drop');
    expect(r.onSignal({ pc: 'd1', hello: true }, false)).toBe('drop');
    expect(r.onSignal({ pc: 'd2' }, false)).toBe('process');
  });

  it('once bound, an unknown pc that does not say hello is a leftover and is dropped', () => {
    const r = new RemotePeer();
    r.onSignal({ pc: 'd1', hello: true }, false);
    expect(r.onSignal({ pc: 'stale' }, false)).toBe('drop');
    expect(r.id).toBe('d1');
  });

  it('a still-fresh connection rebinds instead of rebuilding, so two restarting sides settle', () => {
    // A leftover of the doctor's previous pc bound our fresh connection; the doctor's new pc says hello.
    const r = new RemotePeer();
    expect(r.onSignal({ pc: 'old' }, false)).toBe('bind');
    expect(r.onSignal({ pc: 'd3', hello: true }, false)).toBe('bind');
    expect(r.onSignal({ pc: 'old' }, false)).toBe('drop');
  });
});

describe('Negotiator (the cabin, impolite)', () => {
  let peer: FakePeer;
  let sent: SignalData[];
  let errors: string[];
  let neg: Negotiator;

  beforeEach(() => {
    peer = new FakePeer();
    sent = [];
    errors = [];
    neg = new Negotiator(peer, {
      pcId: 'cabinpc',
      polite: false,
      send: (d) => sent.push(d),
      tracks: () => ({ '0': 'camera', '1': 'voice', [STETH_MID]: 'stethoscope', '3': 'otoscope' }),
      stethoscopeMids: () => [STETH_MID],
      onError: (e) => errors.push(e),
    });
  });

  it('hello carries the pc id', () => {
    neg.hello();
    expect(sent).toEqual([{ pc: 'cabinpc', hello: true }]);
  });

  it('offers with the implicit SLD, and sends a copy with the stethoscope Opus set, with the tracks map', async () => {
    await neg.onNegotiationNeeded();
    expect(peer.log).toEqual(['SLD(offer)']);
    const offer = sent[0]!;
    expect(offer.pc).toBe('cabinpc');
    expect(offer.tracks).toEqual({ '0': 'camera', '1': 'voice', '2': 'stethoscope', '3': 'otoscope' });
    expect(offer.description?.type).toBe('offer');
    expect(opusParams(offer.description!.sdp!, STETH_MID)).toMatchObject({ stereo: '1', 'sprop-stereo': '1', maxaveragebitrate: '48000', usedtx: '0' });
    // the voice m-section keeps WebRTC's defaults
    expect(opusParams(offer.description!.sdp!, '1')).toEqual({ minptime: '10', useinbandfec: '1' });
    expect(errors).toEqual([]);
  });

  it("ignores the doctor's offer that collides with its own, and takes the answer", async () => {
    await neg.onNegotiationNeeded();
    await neg.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
    expect(neg.ignoreOffer).toBe(true);
    expect(peer.log).toEqual(['SLD(offer)']);
    // candidates of the ignored offer fail quietly
    await neg.onRemote({ pc: DOCTOR, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    expect(errors).toEqual([]);
    await neg.onRemote({ pc: DOCTOR, description: { type: 'answer', sdp: CHROMIUM_OFFER } });
    expect(peer.log).toEqual(['SLD(offer)', 'SRD(answer)']);
    expect(peer.signalingState).toBe('stable');
  });

  it('munges the received description on the stethoscope mid before setRemoteDescription', async () => {
    await neg.onNegotiationNeeded();
    await neg.onRemote({ pc: DOCTOR, description: { type: 'answer', sdp: CHROMIUM_OFFER } });
    const remote = peer.remoteDescription!.sdp;
    expect(opusParams(remote, STETH_MID)).toMatchObject({ stereo: '1', 'sprop-stereo': '1', maxaveragebitrate: '48000', useinbandfec: '1', usedtx: '0', minptime: '10' });
    expect(opusParams(remote, '1')).toEqual({ minptime: '10', useinbandfec: '1' });
  });

  it("answers a doctor's offer when stable, and the answer it sends is munged too", async () => {
    await neg.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
    expect(peer.log).toEqual(['SRD(offer)', 'SLD(answer)']);
    expect(sent[0]?.description?.type).toBe('answer');
    expect(opusParams(sent[0]!.description!.sdp!, STETH_MID)).toMatchObject({ stereo: '1' });
    expect(opusParams(peer.remoteDescription!.sdp, STETH_MID)).toMatchObject({ stereo: '1' });
  });

  it('holds candidates that come before the remote description, then adds them', async () => {
    const cand = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    await neg.onRemote({ pc: DOCTOR, candidate: cand });
    expect(peer.candidates).toEqual([]);
    await neg.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
    expect(peer.candidates).toEqual([cand]);
    expect(errors).toEqual([]);
  });

  it('reports an answer that rejects the data channels', async () => {
    await neg.onNegotiationNeeded();
    await neg.onRemote({ pc: DOCTOR, description: { type: 'answer', sdp: CHROMIUM_OFFER.replace('m=application 9 ', 'm=application 0 ') } });
    expect(errors).toEqual(["The doctor's answer rejected the data channels (m=application 0)."]);
  });

  it('drops a stale answer (no offer out) without an incident', async () => {
    await neg.onRemote({ pc: DOCTOR, description: { type: 'answer', sdp: CHROMIUM_OFFER } });
    expect(peer.log).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("a resent copy of the doctor's offer already answered is not applied again; a lost answer goes again later", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await neg.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
      await neg.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
      expect(peer.log).toEqual(['SRD(offer)', 'SLD(answer)']);
      expect(sent.filter((d) => d.description?.type === 'answer')).toHaveLength(1);
      // Still no connection 5 s later: the doctor may never have got our answer.
      vi.setSystemTime(Date.now() + 6000);
      await neg.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
      expect(peer.log).toEqual(['SRD(offer)', 'SLD(answer)']);
      expect(sent.filter((d) => d.description?.type === 'answer')).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops an answer made for another offer of ours (other m-sections): Chromium would refuse it', async () => {
    await neg.onNegotiationNeeded();
    const fewer = CHROMIUM_OFFER.split(/(?=\r\nm=)/).slice(0, 2).join('');
    await neg.onRemote({ pc: DOCTOR, description: { type: 'answer', sdp: fewer } });
    expect(peer.log).toEqual(['SLD(offer)']);
    expect(peer.signalingState).toBe('have-local-offer');
    expect(errors).toEqual([]);
  });

  it('sends local candidates with the pc id, never the end-of-candidates null', () => {
    neg.onLocalCandidate({ candidate: 'candidate:9 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' });
    neg.onLocalCandidate(null);
    neg.onLocalCandidate({ candidate: '' });
    expect(sent).toEqual([{ pc: 'cabinpc', candidate: { candidate: 'candidate:9 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } }]);
  });

  it('a polite peer would roll back instead (the same class serves both roles)', async () => {
    const polite = new Negotiator(peer, { pcId: 'p', polite: true, send: (d) => sent.push(d), tracks: () => ({}), stethoscopeMids: () => [], onError: (e) => errors.push(e) });
    await polite.onNegotiationNeeded();
    await polite.onRemote({ pc: DOCTOR, description: { type: 'offer', sdp: CHROMIUM_OFFER } });
    expect(peer.log).toEqual(['SLD(offer)', 'SRD(offer)', 'implicit rollback', 'SLD(answer)']);
  });
});

describe('ICE restart policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("restarts at once on 'failed' and reports it", () => {
    const restart = vi.fn();
    const incident = vi.fn();
    new IceRestartPolicy({ restart, incident }).onState('failed');
    expect(restart).toHaveBeenCalledTimes(1);
    expect(incident).toHaveBeenCalledTimes(1);
  });

  it("restarts on 'disconnected' only when it lasts more than 4 s", () => {
    const restart = vi.fn();
    const p = new IceRestartPolicy({ restart, incident: () => {} });
    p.onState('disconnected');
    vi.advanceTimersByTime(3900);
    p.onState('connected');
    vi.advanceTimersByTime(5000);
    expect(restart).not.toHaveBeenCalled();
    p.onState('disconnected');
    p.onState('disconnected');
    vi.advanceTimersByTime(4000);
    expect(restart).toHaveBeenCalledTimes(1);
  });
});
