/**
 * The kiosk's own origin: the built renderer is served from the privileged `cabin://app` scheme, never
 * from file:// or the network, so "is this our page?" is one exact comparison.
 */
export const APP_SCHEME = 'cabin';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * True when `url` is on the app origin. Node's URL gives the origin "null" for a custom scheme, so the
 * scheme and host are compared instead; credentials and ports never belong to the app.
 */
export function isAppUrl(url: string | undefined | null): boolean {
  if (typeof url !== 'string' || url === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}
