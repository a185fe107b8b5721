import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCall } from '../call/context.tsx';
import { ConfirmEnd } from '../components/ConfirmEnd.tsx';
import { useBridge } from '../bridge/context.tsx';
import { useMedia } from '../media/context.tsx';
import { runNetCheck } from '../netcheck/run.ts';
import { useNetCheck } from '../netcheck/use-netcheck.ts';
import { useConfirmEnd } from '../state/use-confirm-end.ts';
import { useCabin, useSessionView } from '../state/cabin.tsx';
import { BluetoothPanel } from './BluetoothPanel.tsx';
import { Checklist } from './Checklist.tsx';
import { DeviceCard } from './DeviceCard.tsx';
import { IdentityPanel, IdentitySection, usePatientFiling } from './IdentityPanel.tsx';
import { MediaReport } from './MediaReport.tsx';
import { StoreFaultNotice } from './StoreFaultNotice.tsx';
import { NetworkCard } from './NetworkCard.tsx';

/** Assistant mode: every device at a glance with its commands, the media check, the cleaning checklist. */
export function AssistantPanel() {
  const { t } = useTranslation();
  const { devices, config, act } = useCabin();
  const session = useSessionView();
  const media = useMedia();
  const { view } = useCall();
  const bridge = useBridge();
  const netcheck = useNetCheck();
  // Ended from here, the doctor is told the assistant ended the visit (the panel is unlocked: main knows who).
  const endVisit = (): void => void act('session:end', { from: 'exam' });
  const { confirming, ask, close } = useConfirmEnd(view, endVisit);
  // The Bluetooth section takes the whole panel while open (it scans only then).
  const [bluetooth, setBluetooth] = useState(false);
  // The patient's identity (issue 13): its form takes the whole panel too, from the start of the visit to its end.
  const [identityOpen, setIdentityOpen] = useState(false);
  const [filing, setFiling] = usePatientFiling(session.sessionId);
  const list = [...devices.values()].sort((a, b) => a.category.localeCompare(b.category) || a.id.localeCompare(b.id));
  return (
    <div className="overlay overlay-panel" role="dialog" aria-modal="true" aria-labelledby="assistant-title" data-testid="assistant-panel">
      <div className="panel">
        <header className="panel-header">
          <h2 id="assistant-title">{t('assistant.title')}</h2>
          {session.phase === 'exam' && (
            <button type="button" className="btn btn-secondary" onClick={ask} data-testid="assistant-end-visit">
              {t('endCall.assistantEnd')}
            </button>
          )}
          <button type="button" className="btn btn-secondary" onClick={() => void act('assistant:lock', {})} data-testid="assistant-lock">
            {t('assistant.lock')}
          </button>
        </header>
        <div className="panel-scroll">
          <StoreFaultNotice fault={session.storeFault} />
          {identityOpen && session.sessionId !== null ? (
            <IdentityPanel filing={filing} onSaved={setFiling} onClose={() => setIdentityOpen(false)} />
          ) : bluetooth ? (
            <BluetoothPanel onClose={() => setBluetooth(false)} />
          ) : (
            <div className="panel-columns">
              <div>
                <section>
                  <h3>{t('identity.section')}</h3>
                  <IdentitySection sessionId={session.sessionId} filing={filing} onOpen={() => setIdentityOpen(true)} />
                </section>
                {session.phase === 'cleaning' && config ? (
                  <section>
                    <h3>{t('assistant.checklist')}</h3>
                    <Checklist items={config.checklist} onComplete={(done) => void act('cleaning:complete', { done })} />
                  </section>
                ) : (
                  <p className="note">{t('assistant.checklistLater')}</p>
                )}
                <section>
                  <h3>{t('assistant.media')}</h3>
                  <MediaReport status={media.status} onCheck={media.check} />
                </section>
                <section>
                  <h3>{t('assistant.bluetooth')}</h3>
                  <button type="button" className="btn btn-secondary" onClick={() => setBluetooth(true)} data-testid="ble-open">
                    {t('assistant.bluetoothOpen')}
                  </button>
                </section>
                {view?.state !== 'off' && (
                  <section>
                    <h3>{t('netcheck.title')}</h3>
                    <NetworkCard state={netcheck} onCheck={() => void runNetCheck(bridge)} />
                  </section>
                )}
              </div>
              <section>
                <h3>{t('assistant.devices')}</h3>
                {list.length === 0 ? (
                  <p>{t('assistant.noDevices')}</p>
                ) : (
                  <ul className="device-list">
                    {list.map((d) => (
                      <DeviceCard key={d.id} device={d} onCommand={(name) => void act('devices:command', { deviceId: d.id, name })} />
                    ))}
                  </ul>
                )}
              </section>
            </div>
          )}
        </div>
      </div>
      {confirming && (
        <ConfirmEnd
          onYes={() => {
            close();
            endVisit();
          }}
          onNo={() => close()}
        />
      )}
    </div>
  );
}
