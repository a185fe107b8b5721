import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RtcState } from '../call/call-state.ts';
import { BACK_SHOWN_MS, NO_CUT, nextCutNotice, type CutNotice as Notice } from '../call/cut-notice.ts';

/**
 * During a cut of the cabin's link, says plainly that the readings are kept and will follow; once it is back, that
 * they are arriving (each with its device time and delay, on the vitals).
 */
export function CutNotice({ rtc }: { rtc: RtcState }) {
  const { t } = useTranslation();
  const [state, setState] = useState<Notice>(NO_CUT);
  useEffect(() => setState((s) => nextCutNotice(s, rtc)), [rtc]);
  useEffect(() => {
    if (state.notice !== 'back') return;
    const timer = setTimeout(() => setState((s) => (s.notice === 'back' ? { ...s, notice: undefined } : s)), BACK_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [state.notice]);
  if (!state.notice) return null;
  return (
    <p className={`banner banner-${state.notice === 'lost' ? 'bad' : 'ok'}`} role="status" data-testid="cut-notice" data-cut={state.notice}>
      {t(state.notice === 'lost' ? 'cut.lost' : 'cut.back')}
    </p>
  );
}
