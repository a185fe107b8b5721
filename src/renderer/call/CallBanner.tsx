import { useTranslation } from 'react-i18next';
import { bannerKey } from './banner.ts';
import { useCall } from './context.tsx';

/** Where the call stands, in big words for the patient. */
export function CallBanner() {
  const { t } = useTranslation();
  const { view, rtc, link } = useCall();
  const key = bannerKey(view, rtc);
  if (!view || !key) return null;
  return (
    <p className={`call-status call-${view.state}`} role="status" aria-live="polite" data-testid="call-status" data-state={view.state} data-rtc={rtc} data-link={link}>
      {t(key, { name: view.doctorName ?? '' })}
    </p>
  );
}
