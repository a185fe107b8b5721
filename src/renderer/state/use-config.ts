import { useEffect, useState } from 'react';
import type { BridgeClient, KioskConfigView } from '../../shared/bridge.ts';

/** The kiosk's configuration (languages, checklist, media labels), fetched until it comes. */
export function useConfig(bridge: BridgeClient): KioskConfigView | undefined {
  const [config, setConfig] = useState<KioskConfigView>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetch = async (): Promise<void> => {
      const r = await bridge.call('config:get', {});
      if (stopped) return;
      if (r.ok) setConfig(r.value);
      else timer = setTimeout(() => void fetch(), 2000);
    };
    void fetch();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [bridge]);
  return config;
}
