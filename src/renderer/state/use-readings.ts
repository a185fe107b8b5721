import { useEffect, useState } from 'react';
import type { BridgeClient, Reading, SessionView } from '../../shared/bridge.ts';
import { shownToPatient } from '../../shared/observation.ts';

interface Held {
  sessionId: string | null;
  byCode: ReadonlyMap<string, Reading>;
}

const EMPTY: Held = { sessionId: null, byCode: new Map() };

/** Whether the screens may hold the patient's readings in this phase. */
const holdsPatientData = (s: SessionView | null): s is SessionView & { sessionId: string } =>
  !!s && s.sessionId !== null && (s.phase === 'exam' || s.phase === 'end' || s.phase === 'consent');

/**
 * The latest reading of each measurement of the current visit: the session's list, then `reading` events (those
 * `shownToPatient` takes).
 * Everything is dropped as soon as the visit is over (welcome, cleaning) or another visit starts.
 */
export function useReadings(bridge: BridgeClient, session: SessionView | null): ReadonlyMap<string, Reading> {
  const [held, setHeld] = useState<Held>(EMPTY);

  useEffect(() => {
    setHeld((prev) => {
      if (!holdsPatientData(session)) return prev === EMPTY ? prev : EMPTY;
      const byCode = new Map(session.sessionId === prev.sessionId ? prev.byCode : []);
      for (const r of session.readings) {
        const known = byCode.get(r.code);
        if (shownToPatient(r) && (!known || known.t <= r.t)) byCode.set(r.code, r);
      }
      return { sessionId: session.sessionId, byCode };
    });
  }, [session]);

  useEffect(
    () =>
      bridge.on('reading', (r) =>
        setHeld((prev) => (prev.sessionId === null || !shownToPatient(r) ? prev : { sessionId: prev.sessionId, byCode: new Map(prev.byCode).set(r.code, r) })),
      ),
    [bridge],
  );

  return held.byCode;
}
