import type { IceServer } from '../../shared/hub-protocol.ts';
import { verdictOf, type NetCheck } from '../../shared/netcheck.ts';
import { probePath, turnReachable, turnServersByKind, type PathOptions, type PathResult, type TurnKind } from './probe.ts';

/** What cabin main measured of the hub (null: the hub did not answer), and the probe's TURN servers. */
export interface HubSide {
  hub: { rttMs: number; lossPct: number } | null;
  iceServers: IceServer[];
}

const ORDER: TurnKind[] = ['udp', 'tcp', 'tls'];
const round = (x: number | undefined, digits = 0): number | undefined => (x === undefined ? undefined : Number(x.toFixed(digits)));

/**
 * The whole check from what main measured of the hub: every TURN transport the hub gives is tried alone (in
 * parallel), the path is measured through the first that works (UDP, else TCP, else TLS: the call would pick the
 * same), and the verdict is decided by the shared rule. Never throws: a failure is a figure (false, offline).
 */
export async function measureNetCheck(side: HubSide, o: PathOptions & { now?: () => number } = {}): Promise<{ check: NetCheck; path: PathResult | null }> {
  const servers = turnServersByKind(side.iceServers);
  const tried = await Promise.all(ORDER.map(async (k) => (servers[k] ? turnReachable(servers[k]).catch(() => false) : null)));
  const turn = { udp: tried[0]!, tcp: tried[1]!, tls: tried[2]! };
  const via = ORDER.find((k) => turn[k] === true);
  let path: PathResult | null = null;
  if (side.hub && via) path = await probePath(servers[via]!, o).catch(() => null);
  const verdict = verdictOf({
    hubReached: side.hub !== null,
    turn,
    pathConnected: path?.connected === true,
    pathRttMs: path?.rttMs,
    pathLossPct: path?.lossPct,
    pathKbps: path?.kbps,
  });
  const check: NetCheck = {
    at: Math.round((o.now ?? Date.now)()),
    verdict,
    turn,
    ...(side.hub && { hubRttMs: round(side.hub.rttMs), hubLossPct: round(side.hub.lossPct, 1) }),
    ...(path?.rttMs !== undefined && { pathRttMs: round(path.rttMs) }),
    ...(path?.lossPct !== undefined && { pathLossPct: round(path.lossPct, 1) }),
    // The loop crosses both directions of the link: its rate is a lower bound of each.
    ...(path?.kbps !== undefined && { uplinkKbps: round(path.kbps), downlinkKbps: round(path.kbps) }),
  };
  return { check, path };
}
