import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { Pleth as PlethCanvas, type PushSamples } from '../../browser/Pleth.tsx';
import { MDC } from '../../shared/catalogue.ts';
import type { Call } from '../call/call.ts';

/** The console's jitter buffer: the samples come over the network (the kiosk keeps Playout's defaults). */
const PLAYOUT = { prebufferMs: 200, maxLatencyMs: 1500 } as const;

/** The cabin's pleth waveform from the `telemetry` channel, in its own card. */
export function Pleth({ call }: { call: Call }) {
  const { t } = useTranslation();
  const subscribe = useCallback(
    (push: PushSamples) =>
      call.onWaveform((s) => {
        if (s.info.code === MDC.PULS_OXIM_PLETH) push(s.samples, s.info.rate);
      }),
    [call],
  );
  return (
    <section className="pleth-box card">
      <h2 className="box-title">{t('pleth.title')}</h2>
      <PlethCanvas subscribe={subscribe} label={t('pleth.label')} windowS={6} line="#7ee0ff" lineWidth={3} playout={PLAYOUT} />
    </section>
  );
}
