import { describe, expect, it } from 'vitest';
import { Negotiator, type Description, type NegotiationPeer } from '../../src/browser/negotiation.ts';

/** Just enough of RTCPeerConnection: offers and answers by the implicit form, a remote offer that may be refused. */
class Pc implements NegotiationPeer {
  signalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: Description | null = null;
  refuse: string | undefined;
  async setLocalDescription(): Promise<void> {
    const answering = this.signalingState === 'have-remote-offer';
    this.localDescription = { type: answering ? 'answer' : 'offer', sdp: answering ? 'local-answer' : 'local-offer' };
    this.signalingState = answering ? 'stable' : 'have-local-offer';
  }
  async setRemoteDescription(d: Description): Promise<void> {
    if (this.refuse) throw new Error(this.refuse);
    this.remoteDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
  }
  async addIceCandidate(): Promise<void> {}
}

describe('Negotiator options (what differs between kiosk and console)', () => {
  it('munge rewrites what is sent and what is applied', async () => {
    const pc = new Pc();
    const sent: Description[] = [];
    const n = new Negotiator(pc, { polite: true, sendDescription: (d) => sent.push(d), munge: (sdp) => `${sdp}+m`, log: () => {} });
    await n.receive({ description: { type: 'offer', sdp: 'remote-offer' } });
    expect(pc.remoteDescription).toEqual({ type: 'offer', sdp: 'remote-offer+m' });
    expect(sent).toEqual([{ type: 'answer', sdp: 'local-answer+m' }]);
  });

  it('names the other side in what it reports; a refused offer goes to onStuck when given, else to the log', async () => {
    const logs: string[] = [];
    const stuck: string[] = [];
    const pc = new Pc();
    pc.refuse = 'InvalidAccessError';
    await new Negotiator(pc, { polite: true, remote: 'cabin', sendDescription: () => {}, log: (m) => logs.push(m), onStuck: (d) => stuck.push(d) }).receive({
      description: { type: 'offer', sdp: 'x' },
    });
    await new Negotiator(pc, { polite: false, remote: 'doctor', sendDescription: () => {}, log: (m) => logs.push(m) }).receive({ description: { type: 'offer', sdp: 'x' } });
    expect(stuck).toEqual(['Error: InvalidAccessError']);
    expect(logs).toEqual([
      "The cabin's offer could not be applied (Error: InvalidAccessError): starting a new connection.",
      "The doctor's offer was refused: Error: InvalidAccessError",
    ]);
  });

  it('ignores pranswer and rollback from the wire', async () => {
    const pc = new Pc();
    const n = new Negotiator(pc, { polite: true, sendDescription: () => {}, log: () => {} });
    await n.receive({ description: { type: 'pranswer', sdp: 'p' } });
    await n.receive({ description: { type: 'rollback' } });
    expect(pc.remoteDescription).toBeNull();
    expect(pc.signalingState).toBe('stable');
  });
});
