import type { Driver, UsbMatch } from '../../shared/driver.ts';
import type { DevicesConfig } from '../config.ts';
import type { PortInfo } from './ports.ts';

export interface PortMatch {
  port: PortInfo;
  /** Drivers that may own the port: one is decided; several must be probed; none = unknown device. */
  candidates: Driver[];
  reason: string;
}

const contains = (have: string | undefined, want: string | undefined): boolean =>
  want === undefined || (have !== undefined && have.toLowerCase().includes(want.toLowerCase()));

function ruleMatches(port: PortInfo, rule: UsbMatch): boolean {
  return (
    port.vendorId === rule.vendorId &&
    port.productId === rule.productId &&
    contains(port.manufacturer, rule.manufacturer) &&
    contains(port.product, rule.product)
  );
}

/** Which drivers a port would get, and why (configuration first, then USB ids and strings). */
export function matchPort(port: PortInfo, drivers: readonly Driver[], config: DevicesConfig): PortMatch {
  if (port.kind === 'simulated') {
    const id = simulatedDriverId(port.path);
    const d = drivers.find((x) => x.manifest.id === id);
    return { port, candidates: d ? [d] : [], reason: d ? `simulated ${id}` : `no driver '${id}' to simulate` };
  }
  const configured = config.ports.find((p) => p.path === port.path);
  if (configured) {
    const d = drivers.find((x) => x.manifest.id === configured.driver);
    return d
      ? { port, candidates: [d], reason: `configured for ${d.manifest.id} in the cabin config` }
      : { port, candidates: [], reason: `configured driver '${configured.driver}' is unknown` };
  }
  if (port.vendorId === undefined) return { port, candidates: [], reason: 'no USB identity and not in the cabin config' };
  const ids = `${port.vendorId}:${port.productId ?? '????'}`;
  const transport = port.kind === 'hid' ? 'hid' : 'serial';
  const candidates = drivers.filter(
    (d) => d.manifest.transport === transport && d.manifest.usb.some((rule) => ruleMatches(port, rule)),
  );
  if (candidates.length === 0) return { port, candidates, reason: `USB ${ids} matches no driver` };
  if (candidates.length === 1) return { port, candidates, reason: `USB ${ids} identifies ${candidates[0]!.manifest.id}` };
  return {
    port,
    candidates,
    reason: `USB ${ids} is shared by ${candidates.map((c) => c.manifest.id).join(', ')}: probe`,
  };
}

/** Simulated ports are named `sim:<driver id>` or `sim:<driver id>#<n>`. */
export function simulatedPath(driverId: string, n: number): string {
  return n === 0 ? `sim:${driverId}` : `sim:${driverId}#${n}`;
}

export function simulatedDriverId(path: string): string {
  return path.replace(/^sim:/, '').replace(/#\d+$/, '');
}
