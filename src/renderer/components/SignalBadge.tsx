import { useTranslation } from 'react-i18next';
import type { Signal, Tone } from '../exam/signal.ts';

/** The device's signal state in words, coloured by what it asks of the patient. */
export function SignalBadge({ signal, tone }: { signal: Signal; tone: Tone }) {
  const { t } = useTranslation();
  return (
    <p className={`signal signal-${tone}`} data-testid="signal" data-signal={signal} role="status" aria-live="polite">
      <span className="signal-dot" aria-hidden="true" />
      {t(`signal.${signal}`)}
    </p>
  );
}
