import type { Phase } from '../../shared/bridge.ts';
import { useCall } from '../call/context.tsx';
import { useNetCheckBeforeCall } from './use-netcheck.ts';

/** Runs the pre-call check while the patient is welcomed, on a cabin with a hub (renders nothing). */
export function NetCheckAuto({ phase }: { phase: Phase | undefined }) {
  const { view } = useCall();
  useNetCheckBeforeCall(phase, view !== null && view.state !== 'off');
  return null;
}
