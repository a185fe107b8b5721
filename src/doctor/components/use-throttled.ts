import { useEffect, useRef, useState } from 'react';

/**
 * `value`, changed at most once per `gapMs` (the latest value wins at the end of the wait): a live region read
 * by a screen reader must say the new readings, not every tick of an oximeter that sends one a second.
 */
export function useThrottled<T>(value: T, gapMs: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const show = (): void => {
      last.current = Date.now();
      setShown(value);
    };
    const wait = last.current + gapMs - Date.now();
    if (wait <= 0) return show();
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [value, shown, gapMs]);
  return shown;
}
