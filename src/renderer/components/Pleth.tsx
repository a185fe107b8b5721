import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../bridge/context.tsx';
import { Pleth as PlethCanvas, type PushSamples } from '../../browser/Pleth.tsx';
import { MDC } from '../../shared/catalogue.ts';

/** The oximeter's pleth waveform on the exam screen, from the bridge's `waveform` events. */
export function Pleth({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const subscribe = useCallback(
    (push: PushSamples) =>
      bridge.on('waveform', (w) => {
        if (w.deviceId === deviceId && w.code === MDC.PULS_OXIM_PLETH) push(w.samples, w.rate);
      }),
    [bridge, deviceId],
  );
  return <PlethCanvas subscribe={subscribe} label={t('exam.waveform')} windowS={5} line="#0b3d91" lineWidth={4} />;
}
