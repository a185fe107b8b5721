import { Negotiator as PerfectNegotiator, type NegotiationPeer, type NegotiatorOptions } from '../../browser/negotiation.ts';

/** The console's side of perfect negotiation (src/browser/negotiation.ts): the other side is the cabin. */
export class Negotiator extends PerfectNegotiator {
  constructor(pc: NegotiationPeer, o: Omit<NegotiatorOptions, 'remote'>) {
    super(pc, { ...o, remote: 'cabin' });
  }
}
