import { systemClock, type Clock } from '../../shared/clock.ts';
import type { Driver } from '../../shared/driver.ts';
import { LinkSession } from '../link-session.ts';
import type { Transport } from '../transports/transport.ts';
import type { PortInfo } from './ports.ts';

export type TransportFactory = (port: PortInfo, driver: Driver) => Transport;

export interface ProbeResult {
  driver: Driver | undefined;
  /** One line per candidate tried: what happened. */
  tried: string[];
}

/**
 * Opens the port with each candidate's settings in turn, runs its link, and keeps the first driver whose
 * decoder recognises valid frames within the manifest's `probeMs`.
 */
export async function probe(port: PortInfo, candidates: readonly Driver[], open: TransportFactory, clock: Clock = systemClock): Promise<ProbeResult> {
  const tried: string[] = [];
  for (const driver of candidates) {
    const transport = open(port, driver);
    const session = new LinkSession(driver, { send: (f) => void transport.send(f).catch(() => undefined), emit: () => {} });
    let lost = false;
    transport.onData((bytes) => session.onData(bytes, clock.now()));
    transport.onLost(() => (lost = true));
    try {
      await transport.open();
    } catch (err) {
      tried.push(`${driver.manifest.id}: ${(err as Error).message}`);
      // The port itself is unusable (busy, gone, no permission): other settings will not help.
      return { driver: undefined, tried };
    }
    session.start(clock.now());
    const deadline = clock.now() + driver.manifest.probeMs;
    while (!session.decoder.recognised && !lost && clock.now() < deadline) {
      await new Promise((r) => clock.setTimeout(() => r(undefined), 25));
      session.tick(clock.now());
    }
    const recognised = session.decoder.recognised;
    session.stop(clock.now());
    await transport.close();
    tried.push(`${driver.manifest.id}: ${recognised ? 'recognised' : lost ? 'port lost' : 'no valid frames'}`);
    if (recognised) return { driver, tried };
    if (lost) break;
  }
  return { driver: undefined, tried };
}
