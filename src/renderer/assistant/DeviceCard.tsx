import { useTranslation } from 'react-i18next';
import { detailText } from '../../browser/device-detail.ts';
import { modelOf } from '../../browser/device-name.ts';
import type { DeviceView } from '../../shared/bridge.ts';
import { isBluetooth } from '../exam/signal.ts';
import { categoryName, commandName } from '../format/device-name.ts';

const LINK_TONE: Record<DeviceView['link'], string> = { connected: 'ok', connecting: 'busy', waiting: 'ok', reconnecting: 'warn', error: 'bad', detached: 'bad' };

/** The link's words key: a Bluetooth device waits for a measurement (normal), and is connected only to send one. */
export function linkKey(device: DeviceView): string {
  if (device.link === 'waiting') return device.linkDetail === 'done' ? 'link.waitingDone' : 'link.waiting';
  // Connected only to send a measurement; an oximeter streams for as long as it is connected.
  if (device.link === 'connected' && isBluetooth(device) && device.category !== 'oximeter') return 'link.receiving';
  return `link.${device.link}`;
}

/**
 * Brand and model: what the device said (Device Information) first; a generic Bluetooth driver's name
 * ("Bluetooth blood pressure monitor") names no model, a serial driver's names the one it was written for.
 */
function modelOfDevice(device: DeviceView): string | undefined {
  const said = [device.identity?.manufacturer, device.identity?.model].filter(Boolean).join(' ');
  if (said) return said;
  return isBluetooth(device) ? undefined : modelOf(device.name) || undefined;
}

/** Link details that are a state in words already (the pill says them), not a system message. */
const WORDED_LINK_DETAIL = new Set(['done']);

const IDENTITY_FIELDS = ['manufacturer', 'model', 'serial', 'firmware', 'hardware', 'software', 'protocol', 'systemId'] as const;

/**
 * One device at a glance for the assistant: what it is (in words) and its model, link state, signal status and
 * detail, and a button per command. Identifiers (port, system error texts) only as labelled technical details.
 */
export function DeviceCard({ device, onCommand }: { device: DeviceView; onCommand(name: string): void }) {
  const { t } = useTranslation();
  const detail = device.detail ? detailText(t, device.detail) : undefined;
  const model = modelOfDevice(device);
  // The link's detail is a system message (English, from the operating system or the device host): support's words.
  const linkDetail = device.linkDetail && !WORDED_LINK_DETAIL.has(device.linkDetail) ? device.linkDetail : undefined;
  const technical = [linkDetail, detail?.raw].filter(Boolean).join(' · ');
  const identity = IDENTITY_FIELDS.flatMap((f) => (device.identity?.[f] ? [[f, device.identity[f]] as const] : []));
  return (
    <li className="device-card" data-testid={`device-${device.id}`} data-link={device.link}>
      <div className="device-head">
        <strong>{categoryName(t, device.category)}</strong>
        <span className={`pill pill-${LINK_TONE[device.link]}`} data-testid="link-words">
          {t(linkKey(device))}
        </span>
      </div>
      {model && <p className="device-name">{t('assistant.model', { model })}</p>}
      <p className="device-status">
        {t(`status.${device.status ?? 'none'}`)}
        {detail && !detail.raw && <span className="device-detail"> — {detail.text}</span>}
      </p>
      {device.oldIgnored !== undefined && device.oldIgnored > 0 && (
        <p className="device-old" data-testid="old-ignored">
          {t('assistant.oldIgnored', { count: device.oldIgnored })}
        </p>
      )}
      {identity.length > 0 && (
        <details className="device-technical" data-testid="identity">
          <summary>{t('assistant.identity')}</summary>
          <dl className="device-identity">
            {identity.map(([field, value]) => (
              <div key={field}>
                <dt>{t(`assistant.identityField.${field}`)}</dt>
                <dd>
                  <code lang="en" translate="no">
                    {value}
                  </code>
                </dd>
              </div>
            ))}
          </dl>
        </details>
      )}
      {technical && (
        <details className="device-technical">
          <summary>{t('deviceDetail.other')}</summary>
          <code lang="en" translate="no">
            {technical}
          </code>
        </details>
      )}
      <p className={`device-path${device.address ? ' is-address' : ''}`}>
        {device.address ? t('assistant.address', { address: device.address }) : t('assistant.port', { path: device.path })}
      </p>
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
