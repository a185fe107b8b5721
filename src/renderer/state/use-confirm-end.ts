import { useEffect, useState } from 'react';
import type { CallView } from '../../shared/bridge.ts';
import { endNeedsConfirm } from './visit-end.ts';

/**
 * Ending the visit asks first while a doctor is in the call. If the doctor leaves while the question is open, it
 * closes for good: it must not come back by itself when a doctor joins again.
 */
export function useConfirmEnd(view: CallView | null, end: () => void): { confirming: boolean; ask: () => void; close: () => void } {
  const [confirming, setConfirming] = useState(false);
  const needed = endNeedsConfirm(view);
  useEffect(() => {
    if (!needed) setConfirming(false);
  }, [needed]);
  return { confirming: confirming && needed, ask: () => (needed ? setConfirming(true) : end()), close: () => setConfirming(false) };
}
