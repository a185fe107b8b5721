import { useTranslation } from 'react-i18next';
import type { SessionView } from '../../shared/bridge.ts';

/** On the assistant panel while the cabin's disk is full: readings are not being kept, and what to do. */
export function StoreFaultNotice({ fault }: { fault: SessionView['storeFault'] }) {
  const { t } = useTranslation();
  if (fault !== 'disk-full') return null;
  return (
    <p className="store-fault" role="alert" data-testid="assistant-disk-full">
      <strong>{t('assistant.diskFull')}</strong> {t('assistant.diskFullAction')}
    </p>
  );
}
