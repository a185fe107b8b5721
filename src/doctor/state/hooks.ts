import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { Call, CallSnapshot } from '../call/call.ts';
import type { ConsoleController } from './console.ts';
import type { ConsoleState } from './screen-machine.ts';

export const ControllerContext = createContext<ConsoleController | undefined>(undefined);

export function useController(): ConsoleController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('The console controller is missing (ControllerContext).');
  return c;
}

export function useConsole(): ConsoleState {
  const c = useController();
  return useSyncExternalStore(c.subscribe, c.getSnapshot);
}

export function useCall(call: Call): CallSnapshot {
  const subscribe = useCallback((fn: () => void) => call.subscribe(fn), [call]);
  const snapshot = useCallback(() => call.snapshot, [call]);
  return useSyncExternalStore(subscribe, snapshot);
}
