import { useEffect, useRef } from 'react';

/**
 * Focus on a new view's heading (give it tabIndex={-1}): after login, accept and end, a keyboard or screen-reader
 * user starts from the top of what changed instead of from a button that no longer exists.
 */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
