import { useTranslation } from 'react-i18next';
import type { DeviceView } from '../../shared/bridge.ts';

const LINK_TONE: Record<DeviceView['link'], string> = { connected: 'ok', connecting: 'busy', reconnecting: 'warn', error: 'bad', detached: 'bad' };

/** One device at a glance: link state, signal status and detail, and a button per command. */
export function DeviceCard({ device, onCommand }: { device: DeviceView; onCommand(name: string): void }) {
  const { t } = useTranslation();
  const detail = [device.linkDetail, device.detail].filter(Boolean).join(' · ');
  return (
    <li className="device-card" data-testid={`device-${device.id}`} data-link={device.link}>
      <div className="device-head">
        <strong>{t(`category.${device.category}`, { defaultValue: device.category })}</strong>
        <span className={`pill pill-${LINK_TONE[device.link]}`}>{t(`link.${device.link}`)}</span>
      </div>
      <p className="device-name">{device.name}</p>
      <p className="device-status">
        {t(`status.${device.status ?? 'none'}`)}
        {detail && <span className="device-detail"> — {detail}</span>}
      </p>
      <p className="device-path">{device.path}</p>
      {device.commands.length > 0 && (
        <div className="device-commands">
          {device.commands.map((name) => (
            <button key={name} type="button" className="btn btn-secondary" disabled={device.link !== 'connected'} onClick={() => onCommand(name)}>
              {t(`command.${name}`, { defaultValue: name })}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}
