import { useTranslation } from 'react-i18next';
import type { Call, CallSnapshot } from '../call/call.ts';
import { cabinErrorText } from '../call/cabin-error.ts';
import { detailText } from '../../browser/device-detail.ts';
import { modelOf } from '../call/device-name.ts';
import type { CabinLiveness } from '../call/liveness.ts';

/**
 * The cabin's devices with their link and signal state, a button per device command and its result. While the
 * cabin is not live (`liveness`), their last known state is not shown as current: « état inconnu ».
 */
export function Devices({ call, snap, liveness = 'live' }: { call: Call; snap: CallSnapshot; liveness?: CabinLiveness }) {
  const { t } = useTranslation();
  const commandName = (name: string) => t(`command.${name}`, { defaultValue: name });
  return (
    <section className="devices card" aria-labelledby="devices-title">
      <h2 id="devices-title" className="box-title">
        {t('devices.title')}
      </h2>
      {snap.devices.length === 0 && <p className="note">{t('devices.none')}</p>}
      <ul className="device-list">
        {snap.devices.map((d) => {
          const live = liveness === 'live';
          const status = live ? (snap.statuses.get(d.id)?.status ?? d.status) : undefined;
          // The device's own word on its state (« alarme du moniteur : pouls sous sa limite »), with its status only.
          const detail = live && snap.statuses.get(d.id)?.detail;
          const said = detail ? detailText(t, detail) : undefined;
          const result = snap.commands.find((c) => c.deviceId === d.id);
          return (
            <li key={d.id} className="device" data-testid="device" data-device-id={d.id} data-status={status ?? ''} data-link={live ? d.link : 'unknown'}>
              {/* What it measures in the doctor's language; brand and model (proper names) after it, for support. */}
              <p className="device-name">
                {t(`deviceCategory.${d.category}`, { defaultValue: t('deviceCategory.other') })}
                {modelOf(d.name) && (
                  <span className="device-model" translate="no">
                    {' '}({t('deviceCategory.model', { model: modelOf(d.name) })})
                  </span>
                )}
              </p>
              <p className="device-state">
                {live ? t('devices.link', { link: t(`link.${d.link}`, { defaultValue: d.link }) }) : t(`devices.unknown.${liveness}`)}
                {status && ` · ${t(`status.${status}`)}`}
                {status && said && (
                  <span className="device-detail" data-testid="device-detail" {...(said.raw ? { title: said.raw } : {})}>
                    {` · ${said.text}`}
                  </span>
                )}
              </p>
              <div className="device-commands">
                {d.commands.map((name) => (
                  <button
                    key={name}
                    type="button"
                    className="btn btn-primary"
                    data-testid="device-command"
                    data-device-id={d.id}
                    data-command={name}
                    disabled={!snap.channelOpen || result?.state === 'pending'}
                    onClick={() => call.command(d.id, name)}
                  >
                    {commandName(name)}
                  </button>
                ))}
              </div>
              {result && (
                <p className={`banner banner-${result.state === 'ok' ? 'ok' : result.state === 'error' ? 'bad' : 'busy'}`} role="status" data-testid="command-result" data-device-id={d.id} data-command={result.name} data-state={result.state}>
                  {t(`devices.result.${result.state}`, {
                    command: commandName(result.name),
                    error: result.error === 'not-connected' ? t('devices.notConnected') : cabinErrorText(t, result.error),
                  })}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
