import { useTranslation } from 'react-i18next';
import { modelOf } from '../../browser/device-name.ts';
import type { DeviceView } from '../../shared/bridge.ts';
import { categoryName, commandName, detailText } from '../format/device-name.ts';

const LINK_TONE: Record<DeviceView['link'], string> = { connected: 'ok', connecting: 'busy', waiting: 'ok', reconnecting: 'warn', error: 'bad', detached: 'bad' };

/**
 * One device at a glance for the assistant: what it is (in words) and its model, link state, signal status and
 * detail, and a button per command. Identifiers (port, system error texts) only as labelled technical details.
 */
export function DeviceCard({ device, onCommand }: { device: DeviceView; onCommand(name: string): void }) {
  const { t } = useTranslation();
  const detail = device.detail ? detailText(t, device.detail) : undefined;
  const model = modelOf(device.name);
  // The link's detail is a system message (English, from the operating system or the device host): support's words.
  const technical = [device.linkDetail, detail?.raw].filter(Boolean).join(' · ');
  return (
    <li className="device-card" data-testid={`device-${device.id}`} data-link={device.link}>
      <div className="device-head">
        <strong>{categoryName(t, device.category)}</strong>
        <span className={`pill pill-${LINK_TONE[device.link]}`}>{t(`link.${device.link}`)}</span>
      </div>
      {model && <p className="device-name">{t('assistant.model', { model })}</p>}
      <p className="device-status">
        {t(`status.${device.status ?? 'none'}`)}
        {detail && !detail.raw && <span className="device-detail"> — {detail.text}</span>}
      </p>
      {technical && (
        <details className="device-technical">
          <summary>{t('deviceDetail.other')}</summary>
          <code lang="en" translate="no">
            {technical}
          </code>
        </details>
      )}
      <p className="device-path">{t('assistant.port', { path: device.path })}</p>
      {device.commands.length > 0 && (
        <div className="device-commands">
          {device.commands.map((name) => (
            <button key={name} type="button" className="btn btn-secondary" disabled={device.link !== 'connected'} onClick={() => onCommand(name)}>
              {commandName(t, name)}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}
