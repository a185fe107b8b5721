/** Options of the kiosk's Content-Security-Policy. */
export interface CspOptions {
  /** Extra origins the renderer may connect to (the hub's `wss://` origin, its `https://` API). */
  connect?: readonly string[];
  /** Allow inline `<style>` (some libraries inject it); off unless the renderer proves it needs it. */
  inlineStyles?: boolean;
}

/** A connect-src source must be a bare secure origin: no paths, wildcards or plain ws/http. */
export function isSecureOrigin(source: string): boolean {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return false;
  }
  return (url.protocol === 'wss:' || url.protocol === 'https:') && url.origin === source && !source.includes('*');
}

/**
 * The strict policy sent with every response of the app protocol: only the app's own scripts, media from
 * the cameras and microphones (mediastream:, blob:), no plugins, no framing, no base or form tricks.
 */
export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = options.connect ?? [];
  const bad = connect.filter((c) => !isSecureOrigin(c));
  if (bad.length > 0) throw new Error(`CSP connect-src accepts only wss:// or https:// origins, not: ${bad.join(', ')}`);
  return [
    "default-src 'self'",
    "script-src 'self'",
    options.inlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    ["connect-src 'self'", ...connect].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
