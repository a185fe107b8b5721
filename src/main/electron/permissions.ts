import type { PermissionCheckHandlerHandlerDetails, PermissionRequest, Session, MediaAccessPermissionRequest } from 'electron';
import { isAppUrl } from './app-origin.ts';

/**
 * The kiosk's permission policy, pure (Signal's permissions module): the app's own page may use the
 * camera and microphones (WebRTC, stethoscope, otoscope); nothing else, for nobody. Devices are read by
 * the device host, so WebHID, WebSerial, WebUSB and Bluetooth stay closed in the renderer.
 */
type MediaType = 'video' | 'audio' | 'unknown';
const MEDIA_TYPES: ReadonlySet<MediaType> = new Set(['video', 'audio']);

/** `setPermissionRequestHandler`: a page asks (getUserMedia). */
export function allowPermissionRequest(
  permission: string,
  details: PermissionRequest & Partial<Pick<MediaAccessPermissionRequest, 'mediaTypes' | 'securityOrigin'>>,
): boolean {
  if (permission !== 'media') return false;
  if (!details.isMainFrame || !isAppUrl(details.requestingUrl)) return false;
  if (details.securityOrigin !== undefined && !isAppUrl(details.securityOrigin)) return false;
  const types = details.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => MEDIA_TYPES.has(t));
}

/** `setPermissionCheckHandler`: Chromium checks silently (e.g. device labels of enumerateDevices). */
export function allowPermissionCheck(
  permission: string,
  requestingOrigin: string,
  details: Pick<PermissionCheckHandlerHandlerDetails, 'isMainFrame' | 'securityOrigin' | 'embeddingOrigin' | 'mediaType'>,
): boolean {
  if (permission !== 'media') return false;
  if (!details.isMainFrame || details.embeddingOrigin !== undefined) return false;
  if (!isAppUrl(requestingOrigin)) return false;
  if (details.securityOrigin !== undefined && !isAppUrl(details.securityOrigin)) return false;
  return details.mediaType !== undefined && MEDIA_TYPES.has(details.mediaType);
}

/** Installs the policy on a session; device pickers are answered "none". */
export function applyPermissionPolicy(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'>): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(allowPermissionRequest(permission, details)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => allowPermissionCheck(permission, requestingOrigin, details));
  session.setDevicePermissionHandler(() => false);
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
}
