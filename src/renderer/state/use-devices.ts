import { useEffect, useState } from 'react';
import type { BridgeClient, DeviceView } from '../../shared/bridge.ts';

/** Every device main knows of, by id: the list on load, then `device` events. */
export function useDevices(bridge: BridgeClient): ReadonlyMap<string, DeviceView> {
  const [devices, setDevices] = useState<ReadonlyMap<string, DeviceView>>(new Map());
  useEffect(() => {
    let stopped = false;
    const seen = new Set<string>();
    const off = bridge.on('device', (d) => {
      seen.add(d.id);
      setDevices((prev) => new Map(prev).set(d.id, d));
    });
    void bridge.call('devices:list', {}).then((r) => {
      if (stopped || !r.ok) return;
      setDevices((prev) => {
        const next = new Map(prev);
        // An event that arrived meanwhile is newer than the list.
        for (const d of r.value) if (!seen.has(d.id)) next.set(d.id, d);
        return next;
      });
    });
    return () => {
      stopped = true;
      off();
    };
  }, [bridge]);
  return devices;
}
