import { useTranslation } from 'react-i18next';
import { bannerKey, useCutNotice } from './banner.ts';
import { useCall } from './context.tsx';

/** Where the call stands, in big words for the patient (and, during a cut of the link, that the readings are kept). */
export function CallBanner() {
  const { t } = useTranslation();
  const { view, rtc, link } = useCall();
  const cut = useCutNotice(rtc, view?.consultationId);
  const key = bannerKey(view, rtc, cut);
  if (!view || !key) return null;
  return (
    <p className={`call-status call-${view.state}${cut ? ` call-cut-${cut}` : ''}`} role="status" aria-live="polite" data-testid="call-status" data-state={view.state} data-rtc={rtc} data-link={link} data-cut={cut ?? ''}>
      {t(key, { name: view.doctorName ?? '' })}
    </p>
  );
}
