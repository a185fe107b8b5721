import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useBridge } from '../bridge/context.tsx';
import { categoryName } from '../format/device-name.ts';
import { useCabin } from '../state/cabin.tsx';
import { BlePairing, bleRows, PASSKEY_DIGITS, signalBars, type BlePanelState, type BleRow, type PairStep } from './ble-pairing.ts';

/**
 * The assistant's « Bluetooth » section: open, the cabin scans for health devices nearby; each can be paired and
 * assigned to this cabin (its pairing-mode words first, the code it shows on a big keypad), or forgotten, one at a
 * time and after a confirmation. Closing it, or leaving assistant mode, stops the scan.
 */
export function BluetoothPanel({ onClose }: { onClose(): void }) {
  const bridge = useBridge();
  const { devices } = useCabin();
  const pairing = useMemo(() => new BlePairing((name, input) => bridge.call(name, input)), [bridge]);
  const state = useSyncExternalStore(pairing.subscribe, pairing.snapshot);
  useEffect(() => {
    const off = bridge.on('ble', (view) => pairing.update(view));
    void pairing.open();
    return () => {
      off();
      void pairing.close();
    };
  }, [bridge, pairing]);
  // An assigned device not advertising now: its category from the device list (it was seen as a device before).
  const categoryOf = (address: string): string | undefined => [...devices.values()].find((d) => d.address === address)?.category;
  return <BluetoothList state={state} pairing={pairing} categoryOf={categoryOf} onClose={onClose} />;
}

/** The panel's content for a state (rendered alone in tests). */
export function BluetoothList({ state, pairing, categoryOf, onClose }: { state: BlePanelState; pairing: BlePairing; categoryOf(address: string): string | undefined; onClose(): void }) {
  const { t } = useTranslation();
  const [showOthers, setShowOthers] = useState(false);
  const rows = bleRows(state.view, state.step.kind === 'idle' ? undefined : state.held);
  const supported = rows.filter((r) => r.supported);
  const others = rows.filter((r) => !r.supported);
  return (
    <section className="ble-panel" data-testid="ble-panel" aria-labelledby="ble-title">
      <div className="ble-top">
        <h3 id="ble-title">{t('ble.title')}</h3>
        <p className="ble-scanning" role="status" data-testid="ble-scanning">
          {state.view?.scanning ? t('ble.scanning') : t('ble.notScanning')}
        </p>
        <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="ble-close">
          {t('ble.close')}
        </button>
      </div>
      {supported.length === 0 && <p className="note" data-testid="ble-empty">{t('ble.empty')}</p>}
      <ul className="ble-list">
        {supported.map((row) => (
          <BleDevice key={row.address} row={row} step={state.step} pairing={pairing} category={row.nearby?.category ?? categoryOf(row.address)} />
        ))}
      </ul>
      {others.length > 0 && (
        <>
          <button type="button" className="btn btn-secondary" aria-expanded={showOthers} onClick={() => setShowOthers((v) => !v)} data-testid="ble-others-toggle">
            {showOthers ? t('ble.hideOthers') : t('ble.showOthers', { count: others.length })}
          </button>
          {showOthers && (
            <ul className="ble-list">
              {others.map((row) => (
                <BleDevice key={row.address} row={row} step={state.step} pairing={pairing} category={undefined} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

/** Where the device stands with this cabin, in words. */
function stateWords(t: TFunction, row: BleRow): string {
  if (!row.supported) return t('ble.unsupported');
  if (row.assigned) return row.nearby ? t('ble.assigned') : t('ble.assignedAway');
  return row.nearby?.paired ? t('ble.pairedElsewhere') : t('ble.notPaired');
}

function BleDevice({ row, step, pairing, category }: { row: BleRow; step: PairStep; pairing: BlePairing; category: string | undefined }) {
  const { t } = useTranslation();
  const inHand = step.kind !== 'idle' && step.address === row.address;
  const canPair = row.supported && !row.assigned && row.nearby !== undefined && row.driver !== undefined;
  const busy = step.kind !== 'idle' && !inHand;
  return (
    <li
      className={`ble-device${row.supported ? '' : ' is-unsupported'}${inHand ? ' is-in-hand' : ''}`}
      data-testid={`ble-${row.address}`}
      data-assigned={row.assigned}
    >
      <div className="ble-head">
        <strong>{row.supported ? categoryName(t, category ?? 'other') : t('ble.otherDevice')}</strong>
        <Bars rssi={row.nearby?.rssi} />
      </div>
      {row.nearby?.name && (
        <p className="ble-name" translate="no">
          {row.nearby.name}
        </p>
      )}
      <p className={`ble-state${row.assigned ? ' is-assigned' : ''}`} data-testid="ble-state">
        {stateWords(t, row)}
      </p>
      {inHand ? (
        <StepView step={step} row={row} pairing={pairing} />
      ) : (
        <div className="ble-actions">
          {canPair && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => pairing.choose(row.address, row.driver!)} data-testid="ble-pair">
              {t('ble.pair')}
            </button>
          )}
          {row.assigned && (
            <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => pairing.askForget(row.address)} data-testid="ble-forget">
              {t('ble.forget')}
            </button>
          )}
        </div>
      )}
      <p className="ble-address">{t('ble.address', { address: row.address })}</p>
    </li>
  );
}

/** The signal as four bars, with its words for screen readers and a title. */
function Bars({ rssi }: { rssi: number | undefined }) {
  const { t } = useTranslation();
  const bars = signalBars(rssi);
  const label = bars === undefined ? t('ble.signalUnknown') : t('ble.signal', { bars });
  return (
    <span className="ble-bars" role="img" aria-label={label} title={label} data-bars={bars ?? 'unknown'}>
      {[1, 2, 3, 4].map((b) => (
        <span key={b} className={`ble-bar${bars !== undefined && b <= bars ? ' is-on' : ''}`} style={{ height: `${b * 25}%` }} />
      ))}
    </span>
  );
}

/** The pairing-mode words of the device's driver, in the panel's language (French where there are none in it). */
function HowTo({ row }: { row: BleRow }) {
  const { t, i18n } = useTranslation();
  const words = row.nearby?.pairingMode;
  const text = words ? (i18n.language === 'en' ? words.en : words.fr) : t('ble.howtoDefault');
  const lang = words ? (i18n.language === 'en' ? 'en' : 'fr') : undefined;
  return (
    <div className="ble-howto" data-testid="ble-howto">
      <p className="ble-howto-title">{t('ble.howtoTitle')}</p>
      <p lang={lang}>{text}</p>
    </div>
  );
}

function StepView({ step, row, pairing }: { step: PairStep; row: BleRow; pairing: BlePairing }) {
  const { t } = useTranslation();
  const cancel = (
    <button type="button" className="btn btn-secondary" onClick={() => pairing.cancel()} data-testid="ble-cancel">
      {t('ble.cancel')}
    </button>
  );
  const done = (
    <button type="button" className="btn btn-primary" onClick={() => pairing.cancel()} data-testid="ble-done">
      {t('ble.done')}
    </button>
  );
  switch (step.kind) {
    case 'instructions':
      return (
        <div className="ble-step" data-step="instructions">
          <HowTo row={row} />
          <div className="ble-actions">
            <button type="button" className="btn btn-primary" onClick={() => void pairing.pair()} data-testid="ble-pair-now">
              {t('ble.pairNow')}
            </button>
            {cancel}
          </div>
        </div>
      );
    case 'pairing':
      return (
        <div className="ble-step" data-step="pairing">
          <HowTo row={row} />
          <p className="ble-progress" role="status" data-testid="ble-progress">
            {t('ble.pairing')}
          </p>
          {cancel}
        </div>
      );
    case 'passkey':
      return <Keypad digits={step.digits} refused={step.refused} pairing={pairing} cancel={cancel} />;
    case 'paired':
      return (
        <Outcome step="paired" ok words={t('ble.paired')}>
          {done}
        </Outcome>
      );
    case 'failed':
      return (
        <Outcome step="failed" ok={false} words={t('ble.failed')} detail={step.detail}>
          <div className="ble-actions">
            <button type="button" className="btn btn-primary" onClick={() => pairing.retry()} data-testid="ble-retry">
              {t('ble.retry')}
            </button>
            {cancel}
          </div>
        </Outcome>
      );
    case 'confirm-forget':
      return (
        <div className="ble-step" data-step="confirm-forget" role="alertdialog" aria-labelledby={`ble-forget-${row.address}`}>
          <p id={`ble-forget-${row.address}`} className="ble-question">
            {t('ble.forgetQuestion')}
          </p>
          <p>{t('ble.forgetWhat')}</p>
          <div className="ble-actions">
            <button type="button" className="btn btn-primary" onClick={() => void pairing.forget()} data-testid="ble-forget-yes">
              {t('ble.forgetYes')}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => pairing.cancel()} data-testid="ble-forget-no">
              {t('ble.forgetNo')}
            </button>
          </div>
        </div>
      );
    case 'forgetting':
      return (
        <p className="ble-progress" role="status" data-testid="ble-progress">
          {t('ble.forgetting')}
        </p>
      );
    case 'forgotten':
      return (
        <Outcome step="forgotten" ok words={t('ble.forgotten')}>
          {done}
        </Outcome>
      );
    case 'forget-failed':
      return (
        <Outcome step="forget-failed" ok={false} words={t('ble.forgetFailed')} detail={step.detail}>
          {done}
        </Outcome>
      );
    case 'idle':
      return null;
  }
}

/** How a pairing or a forgetting ended: said as a status when it went well, as an alert when not (with main's detail), then what can be done next. */
function Outcome({ step, ok, words, detail, children }: { step: PairStep['kind']; ok: boolean; words: string; detail?: string; children: ReactNode }) {
  return (
    <div className="ble-step" data-step={step}>
      <p className={`ble-result ${ok ? 'is-ok' : 'is-bad'}`} role={ok ? 'status' : 'alert'} data-testid="ble-result">
        {words}
      </p>
      <Technical detail={detail} />
      {children}
    </div>
  );
}

/** Main's (English) detail of a failure: for support, behind a label. */
function Technical({ detail }: { detail: string | undefined }) {
  const { t } = useTranslation();
  if (!detail) return null;
  return (
    <p className="ble-technical" data-testid="ble-technical">
      <span className="ble-technical-label">{t('ble.technical')}</span>{' '}
      <code lang="en" translate="no">
        {detail}
      </code>
    </p>
  );
}

/** Six big keys for the code the device shows on its screen. */
function Keypad({ digits, refused, pairing, cancel }: { digits: string; refused: boolean; pairing: BlePairing; cancel: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="ble-step" data-step="passkey">
      <p className="ble-question" id="ble-passkey-title">
        {t('ble.passkeyTitle')}
      </p>
      {refused && (
        <p className="ble-result is-bad" role="alert" data-testid="ble-passkey-refused">
          {t('ble.passkeyRefused')}
        </p>
      )}
      <p className="ble-passkey" aria-live="polite" data-testid="ble-passkey" aria-labelledby="ble-passkey-title" dir="ltr">
        {Array.from({ length: PASSKEY_DIGITS }, (_, i) => (
          <span key={i} className={`ble-digit${i < digits.length ? ' is-filled' : ''}`}>
            {digits[i] ?? ''}
          </span>
        ))}
      </p>
      <div className="ble-keys" dir="ltr">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
          <button key={d} type="button" className="btn ble-key" onClick={() => pairing.press(d)} data-testid={`ble-key-${d}`}>
            {d}
          </button>
        ))}
        <button type="button" className="btn ble-key ble-key-small" onClick={() => pairing.erase()} data-testid="ble-key-erase">
          {t('ble.erase')}
        </button>
        <button type="button" className="btn ble-key" onClick={() => pairing.press('0')} data-testid="ble-key-0">
          0
        </button>
        <button
          type="button"
          className="btn btn-primary ble-key ble-key-small"
          disabled={digits.length !== PASSKEY_DIGITS}
          onClick={() => void pairing.submitPasskey()}
          data-testid="ble-key-ok"
        >
          {t('ble.passkeyOk')}
        </button>
      </div>
      {cancel}
    </div>
  );
}
