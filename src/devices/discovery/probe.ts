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
export async function probe(port: PortInfo, candidates: readonly Driver[], open: TransportFactory): Promise<ProbeResult> {
  const tried: string[] = [];
  for (const driver of candidates) {
    const transport = open(port, driver);
    const session = new LinkSession(driver, { send: (f) => void transport.send(f).catch(() => undefined), emit: () => {} });
    let lost = false;
    transport.onData((bytes) => session.onData(bytes, Date.now()));
    transport.onLost(() => (lost = true));
    try {
      await transport.open();
    } catch (err) {
      tried.push(`${driver.manifest.id}: ${(err as Error).message}`);
      // The port itself is unusable (busy, gone, no permission): other settings will not help.
      return { driver: undefined, tried };
    }
    session.start(Date.now());
    const deadline = Date.now() + driver.manifest.probeMs;
    while (!session.decoder.recognised && !lost && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      session.tick(Date.now());
    }
    const recognised = session.decoder.recognised;
    session.stop(Date.now());
    await transport.close();
    tried.push(`${driver.manifest.id}: ${recognised ? 'recognised' : lost ? 'port lost' : 'no valid frames'}`);
    if (recognised) return { driver, tried };
    if (lost) break;
  }
  return { driver: undefined, tried };
}
