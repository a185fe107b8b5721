import { useCallback, useEffect, useRef, useState } from 'react';
import type { BridgeClient, SessionView } from '../../shared/bridge.ts';

const RETRY_MS = 2000;

/**
 * The session as cabin main holds it: fetched on load (a reload resumes the visit) and kept current by
 * `session` events. `failures` counts the fetches that failed while nothing was known yet.
 */
export function useSession(bridge: BridgeClient): { session: SessionView | null; failures: number; apply(view: SessionView): void } {
  const [session, setSession] = useState<SessionView | null>(null);
  const [failures, setFailures] = useState(0);
  const fromEvent = useRef(false);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = bridge.on('session', (view) => {
      fromEvent.current = true;
      setSession(view);
    });
    const fetch = async (): Promise<void> => {
      const r = await bridge.call('session:get', {});
      if (stopped) return;
      // An event that arrived meanwhile is newer than this answer.
      if (r.ok) {
        if (!fromEvent.current) setSession(r.value);
        return;
      }
      setFailures((n) => n + 1);
      timer = setTimeout(() => void fetch(), RETRY_MS);
    };
    void fetch();
    return () => {
      stopped = true;
      clearTimeout(timer);
      off();
    };
  }, [bridge]);

  const apply = useCallback((view: SessionView) => setSession(view), []);
  return { session, failures, apply };
}
