/** BlueZ's D-Bus errors as DeviceErrors: what happened to which device, and what the person can do about it. */
import { DeviceError } from '../../transports/transport.ts';
import { CallError, CLOSED, TIMEOUT } from './bus.ts';

/** `what`: the operation in words ("reading 2a29"); `address`: the device. */
export function bluezError(address: string, what: string, err: unknown): DeviceError {
  if (err instanceof DeviceError) return err;
  const name = err instanceof CallError ? err.errorName : '';
  const text = err instanceof Error ? err.message : String(err);
  const dev = `Bluetooth device ${address}`;
  // GATT "insufficient authentication/encryption/authorization" arrive as Failed with the ATT code in the text.
  if (name === 'org.bluez.Error.NotAuthorized' || /ATT error: 0x0(5|8|f)\b|Insufficient (Authentication|Encryption|Authorization)/i.test(text)) {
    return new DeviceError(`${dev} refused ${what}: it needs pairing. Pair it from the devices panel (put it in pairing mode first).`, 'permission');
  }
  switch (name) {
    case 'org.bluez.Error.NotPermitted':
      return new DeviceError(`${dev} does not permit ${what}: its driver asks for something this model does not allow.`, 'unsupported');
    case 'org.bluez.Error.NotSupported':
      return new DeviceError(`${dev} does not support ${what}.`, 'unsupported');
    case 'org.bluez.Error.InProgress':
      return new DeviceError(`${dev} is busy with another operation (${what}): try again in a moment.`, 'busy');
    case 'org.bluez.Error.NotConnected':
      return new DeviceError(`${dev} is not connected (${what}): it may have gone to sleep; take a new measurement to wake it.`, 'lost');
    case 'org.bluez.Error.NotReady':
      return new DeviceError(`The Bluetooth adapter is not ready (${what}): check that it is switched on (rfkill, or the adapter's switch).`, 'io');
    case 'org.bluez.Error.DoesNotExist':
    case 'org.freedesktop.DBus.Error.UnknownObject':
    case 'org.freedesktop.DBus.Error.UnknownMethod':
      return new DeviceError(`${dev} is no longer known to BlueZ (${what}): scan for it again.`, 'not-found');
    case 'org.freedesktop.DBus.Error.ServiceUnknown':
    case 'org.freedesktop.DBus.Error.NameHasNoOwner':
      return new DeviceError(`bluetoothd is not running (${what} on ${address}): start it with 'systemctl start bluetooth'.`, 'io');
    case 'org.freedesktop.DBus.Error.AccessDenied':
      return new DeviceError(`The system D-Bus refused access to BlueZ (${what}): install BlueZ's D-Bus policy (bluetooth.conf) or run the cabin as a user it allows.`, 'permission');
    case 'org.freedesktop.DBus.Error.NoReply':
    case TIMEOUT:
      return new DeviceError(`${dev} did not answer (${what}): it may be out of range or asleep; bring it closer or take a new measurement.`, 'not-found');
    case CLOSED:
      return new DeviceError(`The connection to bluetoothd closed (${what} on ${address}): restart the device host.`, 'io');
    case 'org.bluez.Error.Failed':
      if (/abort|Host is down|timeout|Page Timeout|not connected|Connection refused/i.test(text)) {
        return new DeviceError(`${dev} did not answer (${what}: ${text}): bring it closer, wake it with a measurement, and try again.`, 'not-found');
      }
      return new DeviceError(`${dev} failed ${what}: ${text}.`, 'io');
    default:
      return new DeviceError(`${dev} failed ${what}: ${text}${name ? ` (${name})` : ''}.`, 'io');
  }
}
