import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError } from '../../shared/bridge.ts';
import { IncidentNumber } from './ErrorBanner.tsx';

const MAX_DIGITS = 8;
const MIN_DIGITS = 4;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/**
 * A big-digit PIN pad (no keyboard needed). `onSubmit` resolves to the error to show (in the screen's language),
 * or undefined when the PIN was accepted.
 */
export function PinPad({ onSubmit, onCancel }: { onSubmit(pin: string): Promise<BridgeError | undefined>; onCancel(): void }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<BridgeError>();
  const [busy, setBusy] = useState(false);

  const press = (d: string): void => {
    setError(undefined);
    setPin((p) => (p.length < MAX_DIGITS ? p + d : p));
  };
  const submit = async (): Promise<void> => {
    setBusy(true);
    const failure = await onSubmit(pin);
    setBusy(false);
    setPin('');
    setError(failure);
  };

  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="pin-title" data-testid="pin-pad">
      <div className="dialog pin-dialog">
        <h2 id="pin-title">{t('assistant.pinTitle')}</h2>
        <div className="pin-dots" role="status" aria-label={`${pin.length}/${MAX_DIGITS}`}>
          {Array.from({ length: Math.max(MIN_DIGITS, pin.length) }, (_, i) => (
            <span key={i} className={`pin-dot${i < pin.length ? ' is-filled' : ''}`} />
          ))}
        </div>
        <div className="pin-message">
          {error && <PinError error={error} />}
        </div>
        <div className="pin-keys">
          {KEYS.map((d) => (
            <button key={d} type="button" className="btn pin-key" onClick={() => press(d)} data-testid={`pin-${d}`}>
              {d}
            </button>
          ))}
          <button type="button" className="btn pin-key pin-key-small" onClick={() => setPin('')}>
            {t('assistant.clear')}
          </button>
          <button type="button" className="btn pin-key" onClick={() => press('0')} data-testid="pin-0">
            0
          </button>
          <button
            type="button"
            className="btn btn-primary pin-key pin-key-small"
            disabled={busy || pin.length < MIN_DIGITS}
            onClick={() => void submit()}
            data-testid="pin-submit"
          >
            {t('assistant.unlock')}
          </button>
        </div>
        <button type="button" className="btn btn-secondary btn-wide" onClick={onCancel}>
          {t('assistant.cancel')}
        </button>
      </div>
    </div>
  );
}

/** Why the PIN was refused, in the screen's language; an internal failure adds its incident number, as the banner does. */
export function PinError({ error }: { error: BridgeError }) {
  const { t } = useTranslation();
  return (
    <p className="pin-error" role="alert" data-testid="pin-error" data-code={error.code}>
      {t(`bridgeError.${error.code}`)}
      {error.incident && <br />}
      <IncidentNumber error={error} />
    </p>
  );
}
