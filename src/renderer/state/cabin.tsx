import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type {
  BridgeError,
  CallInput,
  CallName,
  CallOutput,
  DeviceView,
  KioskConfigView,
  Reading,
  Result,
  SessionView,
} from '../../shared/bridge.ts';
import { CALLS, SessionViewSchema } from '../../shared/bridge.ts';
import { useBridge } from '../bridge/context.tsx';
import { useConfig } from './use-config.ts';
import { useDevices } from './use-devices.ts';
import { useReadings } from './use-readings.ts';
import { useSession } from './use-session.ts';

export interface CabinState {
  session: SessionView | null;
  /** Failed attempts to reach main while the session is still unknown. */
  failures: number;
  config: KioskConfigView | undefined;
  devices: ReadonlyMap<string, DeviceView>;
  readings: ReadonlyMap<string, Reading>;
  error: BridgeError | undefined;
  dismissError(): void;
  /**
   * Calls main; a session it returns is shown at once, a failure is shown in the error banner unless
   * `quiet` (the caller shows it itself, e.g. a wrong PIN).
   */
  act<K extends CallName>(name: K, input: CallInput<K>, opts?: { quiet?: boolean }): Promise<Result<CallOutput<K>>>;
}

const CabinContext = createContext<CabinState | null>(null);

/** The state every screen reads: session, config, devices and readings, all from the bridge. */
export function CabinProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const { session, failures, apply } = useSession(bridge);
  const config = useConfig(bridge);
  const devices = useDevices(bridge);
  const readings = useReadings(bridge, session);
  const [error, setError] = useState<BridgeError>();

  const act = useCallback(
    async <K extends CallName>(name: K, input: CallInput<K>, opts: { quiet?: boolean } = {}): Promise<Result<CallOutput<K>>> => {
      const r = await bridge.call(name, input);
      if (r.ok) {
        if (CALLS[name].output === SessionViewSchema) apply(r.value as SessionView);
      } else if (!opts.quiet) setError(r.error);
      return r;
    },
    [bridge, apply],
  );
  const dismissError = useCallback(() => setError(undefined), []);

  const value = useMemo(
    () => ({ session, failures, config, devices, readings, error, dismissError, act }),
    [session, failures, config, devices, readings, error, dismissError, act],
  );
  return <CabinContext.Provider value={value}>{children}</CabinContext.Provider>;
}

export function useCabin(): CabinState {
  const cabin = useContext(CabinContext);
  if (!cabin) throw new Error('useCabin needs a CabinProvider above it.');
  return cabin;
}

/** The session once it is known (screens are only shown then). */
export function useSessionView(): SessionView {
  const { session } = useCabin();
  if (!session) throw new Error('The session is not known yet.');
  return session;
}
